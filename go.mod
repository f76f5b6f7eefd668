module github.com/varco-gate/varco

go 1.26
