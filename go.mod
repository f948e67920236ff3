module github.com/modelgate/modelgate

go 1.26
