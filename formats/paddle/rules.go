package paddle

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RulePyFunc    = "MG980"
	RuleFileOp    = "MG981"
	RuleNetworkOp = "MG982"
	RuleStructure = "MG983"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RulePyFunc, Severity: formats.High, Title: "PaddlePaddle program runs a Python callable (py_func)",
			Doc: "The program holds a py_func operator. When the executor runs it, Paddle calls the Python function registered in the loading process under the operator's forward_callable_id (and backward_callable_id), with the tensors as arguments: the program chooses which of the process's registered callables runs. Inference programs exported by paddle.jit.save or save_inference_model have no reason to contain it; find out why it is there before running the program."},
		{ID: RuleFileOp, Severity: formats.High, Title: "PaddlePaddle program reads or writes files",
			Doc: "The program holds an operator that reads or writes the file its file_path attribute names (save, load, save_combine, load_combine, sparse_tensor_load, recv_save). Running the program writes or reads that path with the process's rights; an exported inference program loads its parameters through the predictor, not through these operators."},
		{ID: RuleNetworkOp, Severity: formats.High, Title: "PaddlePaddle program opens network connections",
			Doc: "The program holds a distributed-training operator that connects to or listens on the endpoints its attributes name (send, recv, listen_and_serv, send_barrier, fetch_barrier, checkpoint_notify, prefetch, gen_nccl_id, c_gen_nccl_id, gen_bkcl_id, ...). Running the program opens those connections; an inference program has no reason to hold them."},
		{ID: RuleStructure, Severity: formats.Medium, Title: "PaddlePaddle program or parameters structure invalid",
			Doc: "An operator refers to a block the program does not have, or a parameters file holds tensors whose sizes disagree with the bytes present, or bytes follow the last tensor. Paddle's loader rejects such files or older versions read out of bounds, and bytes the loader never reads can hide a second payload; the file was not written by Paddle."},
	} {
		formats.RegisterRule(r)
	}
}
