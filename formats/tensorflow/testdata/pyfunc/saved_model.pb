-
"serve"
 
pPyFunc*
token
pyfunc_0