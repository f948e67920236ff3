l
"servea

xPlaceholder


yAddV2

sSaveV2

r	RestoreV2$
"

__inference_serve
mMatMul