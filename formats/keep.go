package formats

// Keeper is implemented by a Scope that keeps what the analysis of one
// file found for the layouts of the tree the file belongs to, so that a
// layout reads that result rather than parsing the file a second time
// (DESIGN.md: one read pass per file). What is kept is the analysis of
// the very bytes the layout would read: a location analyzed more than
// once (a zip naming two entries alike) keeps nothing, and the layout
// then reads the file itself.
type Keeper interface {
	// Keep records what v returns under key for the input being
	// analyzed; it calls v only when a layout may ask for it (the input
	// is a member of a tree).
	Keep(key string, v func() any)
	// Kept returns what was kept under key for the tree's file member.
	Kept(member, key string) (any, bool)
}

// Keep records, if s keeps such things, what v returns under key for the
// input being analyzed through s.
func Keep(s Scope, key string, v func() any) {
	if k, ok := s.(Keeper); ok {
		k.Keep(key, v)
	}
}

// Kept returns what the analysis of the tree's file member kept under key,
// if s keeps such things and it was kept once.
func Kept(s Scope, member, key string) (any, bool) {
	if k, ok := s.(Keeper); ok {
		return k.Kept(member, key)
	}
	return nil, false
}
