// Command hclconformance tells, for each HCL file named on the command line, what HashiCorp's own
// HCL implementation (github.com/hashicorp/hcl/v2, native syntax) makes of it: whether it parses,
// and the value of every attribute, evaluated as Fluke evaluates manifests (top-level `locals`
// blocks define local.NAME; the functions Fluke shares with HCL/Terraform's standard library are
// available). It prints one JSON object per file, one per line. HclConformanceTest compares that
// with Fluke's own parser and evaluator.
//
// Built offline against the Debian packages golang-go and golang-github-hashicorp-hcl-v2-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o hclconformance .
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

type attrResult struct {
	OK    bool            `json:"ok"`
	Value json.RawMessage `json:"value,omitempty"`
	// Wrap: the expression is a single interpolation ("${x}"), whose value HCL passes through.
	Wrap  bool   `json:"wrap,omitempty"`
	Error string `json:"error,omitempty"`
}

type fileResult struct {
	File     string                `json:"file"`
	SyntaxOK bool                  `json:"syntax_ok"`
	Errors   []string              `json:"errors"`
	Values   map[string]attrResult `json:"values"`
}

// lengthFunc is Terraform's length: strings by characters, objects by attributes, collections by
// elements.
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		switch {
		case args[0].Type() == cty.String:
			return stdlib.Strlen(args[0])
		case args[0].Type().IsObjectType():
			return cty.NumberIntVal(int64(len(args[0].Type().AttributeTypes()))), nil
		}
		return stdlib.Length(args[0])
	},
})

// coalesceFunc is Terraform's coalesce: the first argument that is neither null nor "".
var coalesceFunc = function.New(&function.Spec{
	VarParam: &function.Parameter{Name: "vals", Type: cty.DynamicPseudoType, AllowNull: true},
	Type: func(args []cty.Value) (cty.Type, error) {
		for _, v := range args {
			if !v.IsNull() && !(v.Type() == cty.String && v.AsString() == "") {
				return v.Type(), nil
			}
		}
		return cty.DynamicPseudoType, fmt.Errorf("no non-null, non-empty-string arguments")
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		for _, v := range args {
			if !v.IsNull() && !(v.Type() == cty.String && v.AsString() == "") {
				return v, nil
			}
		}
		return cty.NilVal, fmt.Errorf("no non-null, non-empty-string arguments")
	},
})

// toFunc is Terraform's tostring, tonumber and tobool: a conversion that may fail.
func toFunc(ty cty.Type) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "v", Type: cty.DynamicPseudoType, AllowNull: true}},
		Type:   function.StaticReturnType(ty),
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			return convert.Convert(args[0], ty)
		},
	})
}

func functions() map[string]function.Function {
	return map[string]function.Function{
		"upper": stdlib.UpperFunc, "lower": stdlib.LowerFunc, "title": stdlib.TitleFunc,
		"format": stdlib.FormatFunc, "join": stdlib.JoinFunc, "split": stdlib.SplitFunc,
		"trimspace": stdlib.TrimSpaceFunc, "trim": stdlib.TrimFunc,
		"trimprefix": stdlib.TrimPrefixFunc, "trimsuffix": stdlib.TrimSuffixFunc,
		"chomp": stdlib.ChompFunc, "substr": stdlib.SubstrFunc, "strrev": stdlib.ReverseFunc,
		"concat": stdlib.ConcatFunc, "merge": stdlib.MergeFunc, "lookup": stdlib.LookupFunc,
		"coalesce": coalesceFunc, "length": lengthFunc, "keys": stdlib.KeysFunc,
		"values": stdlib.ValuesFunc, "contains": stdlib.ContainsFunc,
		"distinct": stdlib.DistinctFunc, "flatten": stdlib.FlattenFunc,
		"element": stdlib.ElementFunc, "reverse": stdlib.ReverseListFunc, "sort": stdlib.SortFunc,
		"compact": stdlib.CompactFunc, "slice": stdlib.SliceFunc, "zipmap": stdlib.ZipmapFunc,
		"min": stdlib.MinFunc, "max": stdlib.MaxFunc, "abs": stdlib.AbsoluteFunc,
		"ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc, "jsonencode": stdlib.JSONEncodeFunc,
		"tostring": toFunc(cty.String), "tonumber": toFunc(cty.Number), "tobool": toFunc(cty.Bool),
	}
}

func messages(diags hcl.Diagnostics) []string {
	out := []string{}
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			out = append(out, d.Error())
		}
	}
	return out
}

func result(v cty.Value, diags hcl.Diagnostics, wrap bool) attrResult {
	if diags.HasErrors() {
		return attrResult{OK: false, Error: strings.Join(messages(diags), "; ")}
	}
	if !v.IsWhollyKnown() {
		return attrResult{OK: false, Error: "value not known"}
	}
	buf, err := ctyjson.SimpleJSONValue{Value: v}.MarshalJSON()
	if err != nil {
		return attrResult{OK: false, Error: "cannot encode: " + err.Error()}
	}
	return attrResult{OK: true, Value: buf, Wrap: wrap}
}

// evalLocals evaluates the top-level locals in passes, each local once the locals it names are
// known, as Fluke evaluates them in the order of their references.
func evalLocals(body *hclsyntax.Body, out map[string]attrResult) map[string]cty.Value {
	pending := map[string]*hclsyntax.Attribute{}
	paths := map[string]string{}
	for i, b := range body.Blocks {
		if b.Type == "locals" && len(b.Labels) == 0 {
			for name, a := range b.Body.Attributes {
				pending[name] = a
				paths[name] = fmt.Sprintf("%d:%s/%s", i, b.Type, name)
			}
		}
	}
	known := map[string]cty.Value{}
	for progress := true; progress && len(pending) > 0; {
		progress = false
		for name, a := range pending {
			ready := true
			for _, t := range a.Expr.Variables() {
				if t.RootName() != "local" || len(t) < 2 {
					continue
				}
				if step, ok := t[1].(hcl.TraverseAttr); ok {
					if _, defined := pending[step.Name]; defined && step.Name != name {
						ready = false
					}
				}
			}
			if !ready {
				continue
			}
			ctx := &hcl.EvalContext{
				Variables: map[string]cty.Value{"local": cty.ObjectVal(known)},
				Functions: functions(),
			}
			v, diags := a.Expr.Value(ctx)
			_, wrap := a.Expr.(*hclsyntax.TemplateWrapExpr)
			out[paths[name]] = result(v, diags, wrap)
			if !diags.HasErrors() {
				known[name] = v
			}
			delete(pending, name)
			progress = true
		}
	}
	for name := range pending {
		out[paths[name]] = attrResult{OK: false, Error: "local value in a cycle"}
	}
	return known
}

func walk(body *hclsyntax.Body, prefix string, ctx *hcl.EvalContext, out map[string]attrResult) {
	for name, a := range body.Attributes {
		v, diags := a.Expr.Value(ctx)
		_, wrap := a.Expr.(*hclsyntax.TemplateWrapExpr)
		out[prefix+name] = result(v, diags, wrap)
	}
	for i, b := range body.Blocks {
		p := fmt.Sprintf("%s%d:%s/", prefix, i, b.Type)
		if prefix == "" && b.Type == "locals" {
			continue
		}
		walk(b.Body, p, ctx, out)
	}
}

func main() {
	enc := json.NewEncoder(os.Stdout)
	for _, path := range os.Args[1:] {
		src, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		r := fileResult{File: path, Errors: []string{}, Values: map[string]attrResult{}}
		f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
		r.SyntaxOK = !diags.HasErrors()
		r.Errors = messages(diags)
		if r.SyntaxOK {
			body := f.Body.(*hclsyntax.Body)
			locals := evalLocals(body, r.Values)
			ctx := &hcl.EvalContext{
				Variables: map[string]cty.Value{"local": cty.ObjectVal(locals)},
				Functions: functions(),
			}
			walk(body, "", ctx, r.Values)
		}
		if err := enc.Encode(r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
}
