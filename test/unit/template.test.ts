import test from 'ava'
import {render, STRUCT} from '../../src/cli/template/index.js'

// The Go text/template engine behind --format, checked against Go's documented semantics
// (pkg.go.dev/text/template) and Docker's added functions. Each row: template, data, output.

const data = {
  Name: '/web',
  Id: 'abc123',
  State: {Status: 'running', Running: true, Pid: 42, ExitCode: 0},
  Config: {Env: ['A=1', 'B=2'], Cmd: ['httpd', '-f'], Entrypoint: null, Labels: {}},
  NetworkSettings: {
    IPAddress: '172.17.0.2',
    Ports: {'80/tcp': [{HostIp: '0.0.0.0', HostPort: '18080'}]},
    Networks: {bridge: {IPAddress: '172.17.0.2'}, my_bridge: {IPAddress: '10.0.0.5'}},
  },
  Count: 3,
  Ratio: 0.5,
  Empty: '',
}

const cases: Array<[string, string, unknown?]> = [
  ['plain text', 'plain text'],
  ['{{.Name}}', '/web'],
  ['{{.State.Status}} {{.State.Pid}} {{.State.Running}}', 'running 42 true'],
  ['{{.NetworkSettings.IPAddress}}', '172.17.0.2'],
  ['{{.Config.Env}}', '[A=1 B=2]'],
  ['{{.Config.Labels}}', 'map[]'],
  ['{{.NetworkSettings.Networks.bridge}}', 'map[IPAddress:172.17.0.2]'],
  ['{{.Config.Entrypoint}}', '<no value>'],
  ['{{.Missing}}', '<no value>'],
  ['{{json .Config.Cmd}}', '["httpd","-f"]'],
  ['{{json .Config.Entrypoint}}', 'null'],
  ['{{.Config.Cmd | json}}', '["httpd","-f"]'],
  ['{{json .NetworkSettings.Ports}}', '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"18080"}]}'],
  ['{{range .Config.Env}}{{.}};{{end}}', 'A=1;B=2;'],
  ['{{range $i, $e := .Config.Env}}{{$i}}={{$e}} {{end}}', '0=A=1 1=B=2 '],
  ['{{range $k, $v := .NetworkSettings.Networks}}{{$k}}:{{$v.IPAddress}} {{end}}', 'bridge:172.17.0.2 my_bridge:10.0.0.5 '],
  ['{{range $p, $conf := .NetworkSettings.Ports}}{{$p}} -> {{(index $conf 0).HostPort}}{{end}}', '80/tcp -> 18080'],
  ['{{range .Config.Labels}}x{{else}}none{{end}}', 'none'],
  ['{{range .Config.Entrypoint}}x{{else}}nil{{end}}', 'nil'],
  ['{{range 3}}{{.}}{{end}}', '012'],
  ['{{range .Config.Env}}{{if eq . "B=2"}}{{break}}{{end}}{{.}}{{end}}', 'A=1'],
  ['{{range .Config.Env}}{{if eq . "A=1"}}{{continue}}{{end}}{{.}}{{end}}', 'B=2'],
  ['{{index .Config.Env 1}}', 'B=2'],
  ['{{index .NetworkSettings.Networks "bridge" | json}}', '{"IPAddress":"172.17.0.2"}'],
  ['{{(index .NetworkSettings.Ports "80/tcp" 0).HostPort}}', '18080'],
  ['{{index .NetworkSettings.Networks "nope"}}', '<no value>'],
  ['{{join .Config.Env ","}}', 'A=1,B=2'],
  ['{{lower "ABC"}} {{upper .State.Status}} {{title "hello world"}}', 'abc RUNNING Hello World'],
  ['{{split "a:b:c" ":"}}', '[a b c]'],
  ['{{len .Config.Env}} {{len .Name}} {{len .NetworkSettings.Networks}}', '2 4 2'],
  ['{{printf "%s has pid %d" .Name .State.Pid}}', '/web has pid 42'],
  ['{{printf "%-6s|%5d|%05d|%q|%v|%x" "ab" 7 42 "q" .Config.Env 255}}', 'ab    |    7|00042|"q"|[A=1 B=2]|ff'],
  ['{{printf "%.2f %t %%" .Ratio true}}', '0.50 true %'],
  ['{{printf "%d"}}', '%!d(MISSING)'],
  ['{{printf "%s" 3}}', '%!s(int=3)'],
  ['{{println "a" "b"}}', 'a b\n'],
  ['{{print "a" 1 2 "b"}}', 'a1 2b'],
  ['{{if .State.Running}}up{{else}}down{{end}}', 'up'],
  ['{{if .Empty}}x{{else if .Count}}count{{else}}y{{end}}', 'count'],
  ['{{if not .State.Running}}down{{else}}up{{end}}', 'up'],
  ['{{if and .State.Running (eq .State.Pid 42)}}yes{{end}}', 'yes'],
  ['{{or .Empty "default"}}', 'default'],
  ['{{and .Count .Empty}}|', '|'],
  ['{{if or (eq .State.Status "exited") (eq .State.Status "running")}}known{{end}}', 'known'],
  ['{{eq .State.Status "exited" "running"}}', 'true'],
  ['{{ne .State.ExitCode 0}} {{lt 1 2}} {{gt 1 2}} {{le 2 2}} {{ge 1 2}} {{lt "a" "b"}}', 'false true false true false true'],
  ['{{with .NetworkSettings}}{{.IPAddress}}{{end}}', '172.17.0.2'],
  ['{{with .Empty}}x{{else}}empty{{end}}', 'empty'],
  ['{{with $x := .State}}{{$x.Status}}{{end}}', 'running'],
  ['{{$n := .Name}}{{$n}}{{$n = "other"}} {{$n}}', '/web other'],
  ['{{$}}', '', ''],
  ['{{.State.Status | upper | printf "[%s]"}}', '[RUNNING]'],
  ['{{- " a " -}}  \n {{- "b"}}', ' a b'],
  ['x  {{- /* comment */ -}}  y', 'xy'],
  ['{{.Ratio}} {{.Count}} {{1e21}}', '0.5 3 1e+21'],
  ['{{"a\\tb"}}|{{`raw\\t`}}', 'a\tb|raw\\t'],
  ['{{pad "x" 1 2}}|{{truncate "abcdef" 3}}', ' x  |abc'],
  ['{{slice "abcdef" 1 3}}', 'bc'],
  ['{{.}}', '[1 2]', [1, 2]],
  ['{{.}}', '<no value>', null],
  ['{{.}}', '[<nil> 1]', [null, 1]],
]

for (const [tpl, want, input] of cases) {
  test(`${JSON.stringify(tpl)} -> ${JSON.stringify(want)}`, (t) => {
    t.is(render(tpl, input === undefined ? data : input), want)
  })
}

const errors: Array<[string, RegExp, {missingKey?: 'error'}?]> = [
  ['{{.Missing}}', /^template: :1:2: executing "" at <\.Missing>: map has no entry for key "Missing"$/, {missingKey: 'error'}],
  ['{{.State.Nope.X}}', /map has no entry for key "Nope"/, {missingKey: 'error'}],
  ['{{.Config.Entrypoint.X}}', /nil pointer evaluating interface \{\}\.X/],
  ['{{.Name.X}}', /can't evaluate field X in type string/],
  ['{{index .Config.Env 5}}', /error calling index: index out of range: 5/],
  ['{{len .Count}}', /error calling len: len of type int/],
  ['{{eq .Count "3"}}', /incompatible types for comparison/],
  ['{{nosuch .}}', /^template: :1: function "nosuch" not defined$/],
  ['{{.Name', /unclosed action/],
  ['{{if .Name}}x', /unexpected EOF/],
  ['{{end}}', /unexpected \{\{end\}\}/],
  ['{{$x}}', /undefined variable: \$x/],
  ['{{break}}', /outside \{\{range\}\}/],
  ['{{range .Name}}{{end}}', /range can't iterate over \/web/],
  ['{{.Name "arg"}}', /can't give argument to non-function \.Name/],
]
for (const [tpl, want, opts] of errors) {
  test(`error: ${JSON.stringify(tpl)}`, (t) => {
    t.throws(() => render(tpl, data, opts), {message: want})
  })
}

test('a struct (Docker ps/images context) errors on a missing field and calls methods', (t) => {
  const row = {[STRUCT]: '*formatter.ContainerContext', ID: 'abc', Label: (k: string) => (k === 'a' ? 'b' : '')}
  t.is(render('{{.ID}} {{.Label "a"}}', row), 'abc b')
  t.throws(() => render('{{.Nope}}', row), {message: /can't evaluate field Nope in type \*formatter\.ContainerContext/})
})
