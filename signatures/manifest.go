package signatures

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The in-toto and OMS identifiers a model.sig statement carries.
const (
	inTotoPayloadType = "application/vnd.in-toto+json"
	statementType     = "https://in-toto.io/Statement/v1"
	// PredicateV1 is the OMS predicate written since model_signing v0.3.1.
	PredicateV1 = "https://model_signing/signature/v1.0"
	// PredicateV01 is the deprecated predicate of model_signing v0.2,
	// which lists every file as a subject.
	PredicateV01 = "https://model_signing/Digests/v0.1"
)

// Caps on what a statement may declare; a real model has far fewer files.
const (
	maxResources = 1 << 20
	maxPathLen   = 4096
)

// Serialization says how a model was turned into the statement's
// resources; a verifier re-serializes the local model the same way.
type Serialization struct {
	Method        string   `json:"method"`    // files or shards
	HashType      string   `json:"hash_type"` // sha256 or blake2b
	AllowSymlinks bool     `json:"allow_symlinks"`
	ShardSize     int64    `json:"shard_size,omitempty"`
	IgnorePaths   []string `json:"ignore_paths,omitempty"`
}

// Manifest is what a verified OMS statement says about a model.
type Manifest struct {
	Predicate     string
	SubjectName   string
	RootDigest    []byte // SHA-256 over the sorted raw resource digests
	Serialization Serialization
	// Resources maps a file path (or "path:start:end" shard) to its
	// lowercase hex digest.
	Resources map[string]string
}

type statementJSON struct {
	Type          string          `json:"_type"`
	PredicateType string          `json:"predicateType"`
	Subject       []subjectJSON   `json:"subject"`
	Predicate     json.RawMessage `json:"predicate"`
}

type subjectJSON struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

type resourceJSON struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
}

type predicateJSON struct {
	Serialization *Serialization `json:"serialization"`
	Resources     []resourceJSON `json:"resources"`
}

// digestLen is the hex length of each supported hash.
var digestLen = map[string]int{"sha256": 64, "blake2b": 128}

// parseStatement reads an OMS in-toto statement and checks that it agrees
// with itself: known predicate, one subject whose digest is the root of
// the resources, no duplicate or malformed resource.
func parseStatement(payload []byte) (*Manifest, error) {
	var st statementJSON
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("statement is not JSON: %w", err)
	}
	if st.Type != statementType {
		return nil, fmt.Errorf("statement _type %q is not %s", st.Type, statementType)
	}
	switch st.PredicateType {
	case PredicateV1:
		return parseV1(st)
	case PredicateV01:
		return parseV01(st)
	}
	return nil, fmt.Errorf("predicate type %q is not an OMS model signature", st.PredicateType)
}

func parseV1(st statementJSON) (*Manifest, error) {
	if len(st.Subject) != 1 {
		return nil, fmt.Errorf("statement has %d subjects, want exactly 1", len(st.Subject))
	}
	var p predicateJSON
	if err := json.Unmarshal(st.Predicate, &p); err != nil {
		return nil, fmt.Errorf("predicate: %w", err)
	}
	if p.Serialization == nil {
		return nil, errors.New("predicate has no serialization")
	}
	s := *p.Serialization
	if err := s.check(); err != nil {
		return nil, err
	}
	if len(p.Resources) == 0 {
		return nil, errors.New("statement signs no file")
	}
	if len(p.Resources) > maxResources {
		return nil, fmt.Errorf("statement lists %d resources, over the cap of %d", len(p.Resources), maxResources)
	}
	m := &Manifest{Predicate: PredicateV1, SubjectName: st.Subject[0].Name, Serialization: s, Resources: map[string]string{}}
	for _, r := range p.Resources {
		if err := s.checkAlgorithm(r.Algorithm); err != nil {
			return nil, fmt.Errorf("resource %q: %w", r.Name, err)
		}
		if err := checkResourceName(r.Name); err != nil {
			return nil, err
		}
		if len(r.Digest) != digestLen[s.HashType] || !isLowerHex(r.Digest) {
			return nil, fmt.Errorf("resource %q: digest %q is not a %s hex digest", r.Name, r.Digest, s.HashType)
		}
		if _, dup := m.Resources[r.Name]; dup {
			return nil, fmt.Errorf("manifest is inconsistent: %q is listed twice", r.Name)
		}
		m.Resources[r.Name] = r.Digest
	}
	root, err := rootDigest(m.Resources)
	if err != nil {
		return nil, err
	}
	sub, ok := st.Subject[0].Digest["sha256"]
	if !ok {
		return nil, errors.New("statement subject has no sha256 digest")
	}
	want, err := hex.DecodeString(sub)
	if err != nil || !bytes.Equal(want, root) {
		return nil, fmt.Errorf("manifest is inconsistent: subject digest %.16s… is not the root of its %d resources", sub, len(m.Resources))
	}
	m.RootDigest = root
	return m, nil
}

// parseV01 reads the model_signing v0.2 statement: one subject per file,
// files serialization with SHA-256.
func parseV01(st statementJSON) (*Manifest, error) {
	if len(st.Subject) == 0 {
		return nil, errors.New("statement signs no file")
	}
	if len(st.Subject) > maxResources {
		return nil, fmt.Errorf("statement lists %d subjects, over the cap of %d", len(st.Subject), maxResources)
	}
	m := &Manifest{
		Predicate:     PredicateV01,
		Serialization: Serialization{Method: "files", HashType: "sha256"},
		Resources:     map[string]string{},
	}
	for _, s := range st.Subject {
		if err := checkResourceName(s.Name); err != nil {
			return nil, err
		}
		d := s.Digest["sha256"]
		if len(d) != 64 || !isLowerHex(d) {
			return nil, fmt.Errorf("subject %q has no sha256 hex digest", s.Name)
		}
		if _, dup := m.Resources[s.Name]; dup {
			return nil, fmt.Errorf("manifest is inconsistent: %q is listed twice", s.Name)
		}
		m.Resources[s.Name] = d
	}
	root, err := rootDigest(m.Resources)
	if err != nil {
		return nil, err
	}
	m.RootDigest = root
	return m, nil
}

func (s Serialization) check() error {
	if _, ok := digestLen[s.HashType]; !ok {
		if s.HashType == "blake3" {
			return errors.New("hash type blake3 is not supported by this build (sha256 and blake2b are)")
		}
		return fmt.Errorf("unknown hash type %q", s.HashType)
	}
	switch s.Method {
	case "files":
	case "shards":
		if s.ShardSize <= 0 {
			return fmt.Errorf("shards serialization with shard_size %d", s.ShardSize)
		}
	default:
		return fmt.Errorf("unknown serialization method %q", s.Method)
	}
	for _, p := range s.IgnorePaths {
		if err := checkResourceName(p); err != nil {
			return fmt.Errorf("ignore_paths: %w", err)
		}
	}
	return nil
}

// checkAlgorithm accepts the resource algorithm both the reference
// implementation ("sha256-sharded-<N>") and the draft spec ("sha256")
// write.
func (s Serialization) checkAlgorithm(alg string) error {
	if alg == s.HashType {
		return nil
	}
	if s.Method == "shards" && alg == s.HashType+"-sharded-"+strconv.FormatInt(s.ShardSize, 10) {
		return nil
	}
	return fmt.Errorf("algorithm %q does not match serialization %s/%s", alg, s.Method, s.HashType)
}

// checkResourceName rejects a path a verifier could be tricked by: absolute,
// escaping the model root, empty, or absurdly long.
func checkResourceName(name string) error {
	if name == "" || len(name) > maxPathLen {
		return fmt.Errorf("resource name of length %d", len(name))
	}
	if name == "." {
		return nil
	}
	if strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.ContainsRune(name, 0) {
		return fmt.Errorf("resource name %q is not a relative POSIX path", name)
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return fmt.Errorf("resource name %q leaves the model directory", name)
		}
	}
	return nil
}

// rootDigest is SHA-256 over the raw resource digests in name order: the
// value an OMS statement carries as its single subject digest.
func rootDigest(resources map[string]string) ([]byte, error) {
	names := make([]string, 0, len(resources))
	for n := range resources {
		names = append(names, n)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		raw, err := hex.DecodeString(resources[n])
		if err != nil {
			return nil, fmt.Errorf("resource %q: digest is not hex: %w", n, err)
		}
		h.Write(raw)
	}
	return h.Sum(nil), nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// buildStatement is the statement `modelgate sign` writes: predicate v1.0,
// the resources sorted by name, the root digest as the single subject.
func buildStatement(name string, s Serialization, resources map[string]string) ([]byte, error) {
	names := make([]string, 0, len(resources))
	for n := range resources {
		names = append(names, n)
	}
	slices.Sort(names)
	res := make([]resourceJSON, 0, len(names))
	for _, n := range names {
		res = append(res, resourceJSON{Name: n, Algorithm: s.HashType, Digest: resources[n]})
	}
	root, err := rootDigest(resources)
	if err != nil {
		return nil, err
	}
	pred, err := json.Marshal(predicateJSON{Serialization: &s, Resources: res})
	if err != nil {
		return nil, fmt.Errorf("encode predicate: %w", err)
	}
	return json.Marshal(statementJSON{
		Type:          statementType,
		PredicateType: PredicateV1,
		Subject:       []subjectJSON{{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(root)}}},
		Predicate:     pred,
	})
}
