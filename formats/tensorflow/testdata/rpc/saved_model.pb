
"serve

r	RpcClient