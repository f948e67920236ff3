package pickle

// KeptPersistentIDs is the key (formats.Keep) under which the analysis of
// a pickle file keeps the persistent IDs its first pickle loads, as a
// []PersistentID, when it read that pickle as pickle.load does (no
// joblib array data read out of band). A file's first pickle is what
// torch.load's unpickler reads of a checkpoint's data.pkl.
const KeptPersistentIDs = "pickle.persistent-ids"

// firstPersistentIDs returns the IDs before offset end, copied out of the
// tables of the stream that made them, so that keeping them does not keep
// everything that stream allocated alive.
func firstPersistentIDs(ids []PersistentID, end int64) []PersistentID {
	out := make([]PersistentID, 0, len(ids))
	to := newTables()
	var c *copier
	for _, id := range ids {
		if id.Offset >= end {
			break
		}
		if c == nil || c.from != id.ID.t {
			c = newCopier(id.ID.t, to)
		}
		out = append(out, PersistentID{Offset: id.Offset, ID: c.value(id.ID)})
	}
	return out
}
