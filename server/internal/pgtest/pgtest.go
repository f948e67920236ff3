// Package pgtest starts a throwaway PostgreSQL cluster for tests, listening
// on loopback only, with its data in a temporary directory, and hands each
// test a fresh database in it. It never touches a cluster it did not
// create, except the one MODELGATE_TEST_POSTGRES names.
package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver
)

// binDirs are where Debian's (or a copied) PostgreSQL lives.
var binDirs = []string{"/usr/local/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"}

func findBin(name string) string {
	for _, d := range binDirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

var (
	once     sync.Once
	shared   string // DSN of the cluster's postgres database
	whyNot   string // why there is no cluster
	stopFunc func()
	dbs      atomic.Int32
)

// Main runs the tests and then stops the cluster, if one was started.
func Main(m *testing.M) {
	code := m.Run()
	if stopFunc != nil {
		stopFunc()
	}
	os.Exit(code)
}

// Fresh returns the DSN of a new, empty database, or "" (having logged
// why) when PostgreSQL is not installed or cannot be run here. The
// package's TestMain must call Main.
func Fresh(t testing.TB) string {
	t.Helper()
	once.Do(func() { shared, stopFunc, whyNot = start() })
	if shared == "" {
		t.Logf("SKIP PostgreSQL: %s", whyNot)
		return ""
	}
	db, err := sql.Open("pgx", shared)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), dbs.Add(1))
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	u, err := url.Parse(shared)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// start runs a cluster and returns its DSN and a function that stops it,
// or the reason it could not.
func start() (dsn string, stop func(), why string) {
	if dsn := os.Getenv("MODELGATE_TEST_POSTGRES"); dsn != "" {
		return dsn, nil, ""
	}
	initdb, pgctl := findBin("initdb"), findBin("pg_ctl")
	if initdb == "" || pgctl == "" {
		return "", nil, fmt.Sprintf("PostgreSQL not installed (initdb and pg_ctl in none of %v)", binDirs)
	}
	// PostgreSQL refuses to run as root; as root, run it as the postgres
	// user the Debian package creates.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", nil, fmt.Sprintf("running as root and there is no postgres user to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	dir, err := os.MkdirTemp("", "modelgate-pg-")
	if err != nil {
		return "", nil, err.Error()
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return "", nil, err.Error()
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err.Error()
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	data := filepath.Join(dir, "data")
	run := func(args ...string) error {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%v: %w: %s", args, err, out.String())
		}
		return nil
	}
	if err := run(initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Sprintf("initdb failed: %v", err)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", port, dir)
	if err := run(pgctl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "30", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		os.RemoveAll(dir)
		return "", nil, fmt.Sprintf("pg_ctl start failed: %v\n%s", err, log)
	}
	stop = func() {
		_ = run(pgctl, "-D", data, "-m", "immediate", "-w", "stop")
		os.RemoveAll(dir)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), stop, ""
}
