//go:build tools

// Package tools pins the Pulumi engine modules this project builds its CLI from.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
