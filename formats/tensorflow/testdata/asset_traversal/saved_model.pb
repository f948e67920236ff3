Z
"serve;

xPlaceholder


yAddV2

sSaveV2

r	RestoreV22../../etc/passwd