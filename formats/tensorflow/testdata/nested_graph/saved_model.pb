O
"serveD
+
cConst*
valueBB

w	WriteFile

dDatasetFromGraph