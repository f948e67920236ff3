package msgpack

import "github.com/modelgate/modelgate/formats"

// Rule IDs. They never change meaning once released.
const (
	RuleDtype     = "MG930"
	RuleStructure = "MG931"
)

func init() {
	for _, r := range []formats.Rule{
		{ID: RuleDtype, Severity: formats.Medium, Title: "msgpack checkpoint array with a dtype Flax never writes",
			Doc: "An array leaf (msgpack extension 1 or 3, as flax.serialization and Orbax write them) names a dtype that is not a plain NumPy or JAX numeric, string or datetime type, such as the object dtype. Flax refuses to write object and aligned-struct arrays, and its loader passes the name to numpy.dtype(), which would build an object dtype that numpy.frombuffer then rejects; a name like this was put there by hand. Find out who wrote the file."},
		{ID: RuleStructure, Severity: formats.Medium, Title: "msgpack checkpoint structure invalid",
			Doc: "An array leaf's data does not match its shape and dtype, an extension's payload is not the (shape, dtype, buffer) triple Flax writes, or bytes follow the checkpoint's single top-level map. msgpack.unpackb and numpy reject such files, and bytes the loader never reads can hide a second payload; the file was not written by Flax or Orbax."},
	} {
		formats.RegisterRule(r)
	}
}
