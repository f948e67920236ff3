
"serve

w	WriteFile