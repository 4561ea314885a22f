// Go text/template, as Docker's --format uses it: a tokenizer (lex.ts), a parser (parse.ts), an
// evaluator (exec.ts) and the functions (funcs.ts). Loaded only when --format is given.
export {compile, render, type Options} from './exec.js'
export {TemplateError} from './lex.js'
export {GOMAP, STRUCT} from './values.js'
