j
"serve_

xPlaceholder


yAddV2

sSaveV2

r	RestoreV2"
 

__inference_f
rReadFile