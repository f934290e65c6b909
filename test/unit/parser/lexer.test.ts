import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../src/errors/index.ts';
import { keywordCategory, lex, positionAt, type Token } from '../../../src/parser/index.ts';

/** Tokens as compact tuples: [kind, text] or [kind, text, value] when value differs from text. */
function brief(tokens: Token[]): Array<[string, string] | [string, string, string]> {
  return tokens.map((t) => (t.value === t.text ? [t.kind, t.text] : [t.kind, t.text, t.value]));
}

describe('lex: tokens', () => {
  const cases: Array<[string, Array<[string, string] | [string, string, string]>]> = [
    ['', []],
    ['   \n\t ', []],
    ['SELECT 1', [['ident', 'SELECT', 'select'], ['number', '1']]],
    ['select a,b from T', [['ident', 'select'], ['ident', 'a'], ['punct', ','], ['ident', 'b'], ['ident', 'from'], ['ident', 'T', 't']]],
    // identifiers: letters, digits, _, $ inside; non-ASCII kept and not folded
    ['_a1$b ÄbC', [['ident', '_a1$b'], ['ident', 'ÄbC', 'Äbc']]],
    ['a$$b', [['ident', 'a$$b']]],
    // quoted identifiers keep case, "" escapes a quote
    ['"MyCol" "a""b" "select"', [['ident', '"MyCol"', 'MyCol'], ['ident', '"a""b"', 'a"b'], ['ident', '"select"', 'select']]],
    ['U&"d\\0061t\\+000061"', [['ident', 'U&"d\\0061t\\+000061"', 'data']]],
    ['U&"d!0061t" UESCAPE \'!\'', [['ident', 'U&"d!0061t" UESCAPE \'!\'', 'dat']]],
    // strings
    ["'abc'", [['string', "'abc'", 'abc']]],
    ["'it''s'", [['string', "'it''s'", "it's"]]],
    ["''", [['string', "''", '']]],
    ["'a\\nb'", [['string', "'a\\nb'", 'a\\nb']]], // standard strings: backslash is literal
    ["E'a\\nb\\tc\\\\d\\'e'", [['string', "E'a\\nb\\tc\\\\d\\'e'", "a\nb\tc\\d'e"]]],
    ["e'\\101\\x42\\u0043\\U00000044\\q'", [['string', "e'\\101\\x42\\u0043\\U00000044\\q'", 'ABCDq']]],
    ["E'\\xc3\\xa9'", [['string', "E'\\xc3\\xa9'", 'é']]],
    ["E'\\uD83D\\uDE00'", [['string', "E'\\uD83D\\uDE00'", '😀']]],
    ["E'a''b'", [['string', "E'a''b'", "a'b"]]],
    ["U&'\\00e9t\\00e9'", [['string', "U&'\\00e9t\\00e9'", 'été']]],
    ["U&'!00e9' UESCAPE '!'", [['string', "U&'!00e9' UESCAPE '!'", 'é']]],
    ["U&'a\\\\b'", [['string', "U&'a\\\\b'", 'a\\b']]],
    ["B'0101' x'1F'", [['bitstring', "B'0101'", 'b0101'], ['bitstring', "x'1F'", 'x1F']]],
    ["N'abc'", [['ident', 'N', 'nchar'], ['string', "'abc'", 'abc']]],
    // adjacent literals separated by a newline are one literal ('--' comments allowed in between)
    ["'a'\n'b'", [['string', "'a'\n'b'", 'ab']]],
    ["'a' -- c\n  'b'", [['string', "'a' -- c\n  'b'", 'ab']]],
    ["'a' 'b'", [['string', "'a'", 'a'], ['string', "'b'", 'b']]],
    ["'a' /* c */\n'b'", [['string', "'a'", 'a'], ['string', "'b'", 'b']]],
    // dollar quotes
    ['$$a \'b\' ; "c"$$', [['string', '$$a \'b\' ; "c"$$', 'a \'b\' ; "c"']]],
    ['$fn$ body $$ not end $fn$', [['string', '$fn$ body $$ not end $fn$', ' body $$ not end ']]],
    ['$a$x$a $a$', [['string', '$a$x$a $a$', 'x$a ']]],
    ['$a$$b$x$b$$a$', [['string', '$a$$b$x$b$$a$', '$b$x$b$']]],
    ['$ab x', [['other', '$'], ['ident', 'ab'], ['ident', 'x']]],
    // parameters
    ['$1 $23', [['param', '$1', '1'], ['param', '$23', '23']]],
    ['$1$x', [['param', '$1', '1'], ['other', '$'], ['ident', 'x']]],
    // numbers
    ['1 12.5 .5 1. 1e5 1.5E-3 2e+2', [['number', '1'], ['number', '12.5'], ['number', '.5'], ['number', '1.'], ['number', '1e5'], ['number', '1.5E-3'], ['number', '2e+2']]],
    ['1..2', [['number', '1'], ['punct', '..'], ['number', '2']]],
    ['a.b.c', [['ident', 'a'], ['punct', '.'], ['ident', 'b'], ['punct', '.'], ['ident', 'c']]],
    // operators
    ['a::int', [['ident', 'a'], ['op', '::'], ['ident', 'int']]],
    ['a<=b>=c<>d!=e', [['ident', 'a'], ['op', '<='], ['ident', 'b'], ['op', '>='], ['ident', 'c'], ['op', '<>'], ['ident', 'd'], ['op', '!='], ['ident', 'e']]],
    ["j->'a'->>'b' @> x ~~ y !~~* z || w", [['ident', 'j'], ['op', '->'], ['string', "'a'", 'a'], ['op', '->>'], ['string', "'b'", 'b'], ['op', '@>'], ['ident', 'x'], ['op', '~~'], ['ident', 'y'], ['op', '!~~*'], ['ident', 'z'], ['op', '||'], ['ident', 'w']]],
    ['x=-1', [['ident', 'x'], ['op', '='], ['op', '-'], ['number', '1']]],
    ['2*-1', [['number', '2'], ['op', '*'], ['op', '-'], ['number', '1']]],
    ['3 @- 1', [['number', '3'], ['op', '@-'], ['number', '1']]],
    ['a := 1 => 2', [['ident', 'a'], ['op', ':='], ['number', '1'], ['op', '=>'], ['number', '2']]],
    ['1 */ 2', [['number', '1'], ['op', '*/'], ['number', '2']]],
    ['a+/*c*/b', [['ident', 'a'], ['op', '+'], ['ident', 'b']]],
    ['a+--c\nb', [['ident', 'a'], ['op', '+'], ['ident', 'b']]],
    ['arr[1:2]', [['ident', 'arr'], ['punct', '['], ['number', '1'], ['punct', ':'], ['number', '2'], ['punct', ']']]],
    ['(a);', [['punct', '('], ['ident', 'a'], ['punct', ')'], ['punct', ';']]],
    ['a\\b{', [['ident', 'a'], ['other', '\\'], ['ident', 'b'], ['other', '{']]],
    // comments, nested
    ['a /* x /* y */ z */ b -- c\nd', [['ident', 'a'], ['ident', 'b'], ['ident', 'd']]],
    ['a--c', [['ident', 'a']]],
    ['/**/a', [['ident', 'a']]],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => {
      assert.deepEqual(brief(lex(input)), expected);
    });
  }
});

describe('lex: offsets and trivia', () => {
  it('gives UTF-16 start/end offsets that slice back to the text', () => {
    const sql = "select 'é😀', \"x\" /* c */ from t -- end";
    for (const t of lex(sql)) assert.equal(sql.slice(t.start, t.end), t.text);
    const toks = lex(sql);
    assert.deepEqual(toks.map((t) => [t.start, t.end]), [[0, 6], [7, 12], [12, 13], [14, 17], [26, 30], [31, 32]]);
  });

  it('returns whitespace and comments with trivia: true, covering the input', () => {
    const sql = "select /* a /* b */ */ 1 -- x\n;";
    const toks = lex(sql, { trivia: true });
    assert.deepEqual(brief(toks), [
      ['ident', 'select'],
      ['whitespace', ' '],
      ['comment', '/* a /* b */ */'],
      ['whitespace', ' '],
      ['number', '1'],
      ['whitespace', ' '],
      ['comment', '-- x'],
      ['whitespace', '\n'],
      ['punct', ';'],
    ]);
    assert.equal(toks.map((t) => t.text).join(''), sql);
  });

  it('marks quoted identifiers', () => {
    const [a, b] = lex('select "select"').map((t) => t.quoted);
    assert.deepEqual([a, b], [false, true]);
  });

  it('truncates identifiers to 63 bytes, as PostgreSQL does', () => {
    const long = 'a'.repeat(70);
    assert.equal(lex(long)[0]!.value, 'a'.repeat(63));
    assert.equal(lex(`"${'é'.repeat(40)}"`)[0]!.value, 'é'.repeat(31));
    assert.equal(lex(long)[0]!.text, long);
  });

  it('honours standard_conforming_strings = off', () => {
    assert.equal(lex("'a\\'b'", { standardConformingStrings: false })[0]!.value, "a'b");
  });

  it('positionAt counts characters, not UTF-16 units', () => {
    assert.equal(positionAt('abc', 0), 1);
    assert.equal(positionAt('abc', 3), 4);
    assert.equal(positionAt('😀x', 2), 2);
    assert.equal(positionAt('😀😀', 4), 3);
  });
});

describe('lex: errors as PostgreSQL reports them', () => {
  // [input, sqlstate, message, position] — each checked against PostgreSQL 15.
  const cases: Array<[string, string, string, number | undefined]> = [
    ["select 'abc", '42601', 'unterminated quoted string at or near "\'abc"', 8],
    ["select 'abc''", '42601', 'unterminated quoted string at or near "\'abc\'\'"', 8],
    ["select E'abc\\'", '42601', 'unterminated quoted string at or near "E\'abc\\\'"', 8],
    ["select e'\\'", '42601', 'unterminated quoted string at or near "e\'\\\'"', 8],
    ['select $$abc', '42601', 'unterminated dollar-quoted string at or near "$$abc"', 8],
    ['select $x$abc$$', '42601', 'unterminated dollar-quoted string at or near "$x$abc$$"', 8],
    ['select /* abc /* d */', '42601', 'unterminated /* comment at or near "/* abc /* d */"', 8],
    ['select "abc', '42601', 'unterminated quoted identifier at or near ""abc"', 8],
    ['select ""', '42601', 'zero-length delimited identifier at or near """"', 8],
    ["select x'1", '42601', 'unterminated hexadecimal string literal at or near "x\'1"', 8],
    ["select b'1", '42601', 'unterminated bit string literal at or near "b\'1"', 8],
    ['select 123abc+1', '42601', 'trailing junk after numeric literal at or near "123abc"', 8],
    ['select 1.5e', '42601', 'trailing junk after numeric literal at or near "1.5e"', 8],
    ['select 1e+x', '42601', 'trailing junk after numeric literal at or near "1e+"', 8],
    ['select 0x1F', '42601', 'trailing junk after numeric literal at or near "0x1F"', 8],
    ['select $1abc', '42601', 'trailing junk after parameter at or near "$1abc"', 8],
    ["select E'\\u12'", '42601', 'invalid Unicode escape', 10],
    ["select E'\\uD83D'", '42601', 'invalid Unicode surrogate pair at or near "\'"', 16],
    ["select E'\\uDE00'", '42601', 'invalid Unicode surrogate pair at or near "\\uDE00"', 10],
    ["select E'\\U00110000'", '42601', 'invalid Unicode escape value at or near "\\U00110000"', 10],
    ["select U&'\\00'", '42601', 'invalid Unicode escape', 11],
    ["select U&'\\D83D'", '42601', 'invalid Unicode surrogate pair', 16],
    ["select U&'\\D83Dx'", '42601', 'invalid Unicode surrogate pair', 16],
    ["select U&'\\+110000'", '42601', 'invalid Unicode escape value', 11],
    ['select U&"\\00"', '42601', 'invalid Unicode escape', 11],
    ["select U&'a' UESCAPE 'ab'", '42601', 'invalid Unicode escape character at or near "\'ab\'"', 22],
    ["select U&'a' UESCAPE '+'", '42601', 'invalid Unicode escape character at or near "\'+\'"', 22],
    ["select E'\\0'", '22021', 'invalid byte sequence for encoding "UTF8": 0x00', undefined],
    ["select E'\\xc3'", '22021', 'invalid byte sequence for encoding "UTF8": 0xc3', undefined],
    // positions count characters: the emoji is one character
    ["select '😀', 'abc", '42601', 'unterminated quoted string at or near "\'abc"', 13],
  ];
  for (const [input, sqlstate, message, position] of cases) {
    it(JSON.stringify(input), () => {
      assert.throws(
        () => lex(input),
        (e: unknown) => {
          assert.ok(e instanceof GatewayError);
          assert.equal(e.sqlstate, sqlstate);
          assert.equal(e.message, message);
          assert.equal(e.position, position);
          return true;
        },
      );
    });
  }

  it('gives the Unicode escape hint', () => {
    assert.throws(() => lex("U&'\\0'"), (e: GatewayError) => e.hint === 'Unicode escapes must be \\XXXX or \\+XXXXXX.');
    assert.throws(() => lex("E'\\u0'"), (e: GatewayError) => e.hint === 'Unicode escapes must be \\uXXXX or \\UXXXXXXXX.');
  });
});

describe('keywords', () => {
  const cases: Array<[string, string | undefined]> = [
    ['select', 'reserved'],
    ['all', 'reserved'],
    ['on', 'reserved'],
    ['abort', 'unreserved'],
    ['zone', 'unreserved'],
    ['between', 'col_name'],
    ['time', 'col_name'],
    ['current_schema', 'type_func_name'],
    ['authorization', 'type_func_name'],
    ['off', 'unreserved'],
    ['utc', undefined],
    ['tollgate', undefined],
  ];
  for (const [word, cat] of cases) {
    it(`${word} is ${cat ?? 'not a keyword'}`, () => assert.equal(keywordCategory(word), cat));
  }
});

describe('lex: large input', () => {
  // Speed is measured in the benchmarks, not asserted here; this checks a 1 MB statement lexes exactly.
  it('lexes a 1 MB statement into the expected tokens', () => {
    const unit = "SELECT a.b, 'str''ing', $$dollar$$, \"Quoted\", 12.5e3 FROM t /* c */ WHERE x <> $1 -- c\n";
    const repeats = Math.ceil(1_000_000 / unit.length);
    const tokens = lex(unit.repeat(repeats));
    const perUnit = lex(unit).length;
    assert.equal(tokens.length, perUnit * repeats);
    assert.equal(tokens[tokens.length - 1]!.kind, 'param');
  });
});
