/*
 * vtab_args.c -- the arguments of CREATE VIRTUAL TABLE ... USING lmdb(...).
 *
 * SQLite splits the text between the parentheses at top-level commas and
 * hands each piece to xCreate/xConnect as one string.  Each piece is one of
 *
 *   column     name [type] [PRIMARY KEY [ASC|DESC]] [NOT NULL] [NULL]
 *              [UNIQUE] [DEFAULT literal] [COLLATE BINARY|NOCASE|RTRIM]
 *              [CONSTRAINT name] (constraints in any order)
 *   key        PRIMARY KEY (col [ASC|DESC], ...)
 *   unique     UNIQUE [name] (col [ASC|DESC], ...)
 *   index      INDEX [name] (col [ASC|DESC], ...)
 *   option     env = 'dir' | table = 'name' | mapsize = '256MB'
 *              | sync = full|normal|off | strict = 0|1
 *
 * lvt_args_parse() turns them into an lvt_table_def (plus the options) and
 * checks everything that can be checked without the environment, so that a
 * bad argument fails before any directory, sub-database or catalog entry
 * exists.  Rules follow CREATE TABLE: a column whose declared type is
 * exactly INTEGER and that is the single-column PRIMARY KEY is the rowid
 * (except "INTEGER PRIMARY KEY DESC" written on the column, SQLite's
 * quirk); any other primary key becomes the unique index "<table>_pk"
 * flagged primary.  Unnamed UNIQUE and INDEX constraints are named
 * "<table>_<col>[_<col>...]", with "_2", "_3"... appended when that name is
 * taken, so the names depend only on the arguments.
 *
 * Nothing here calls SQLite beyond sqlite3_malloc/realloc/free/mprintf.
 */
#include "lvt_glue.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

SQLITE_EXTENSION_INIT3

/* ------------------------------------------------------------ tokens -- */

enum {
  TK_END, TK_ID, TK_QID, TK_STR, TK_BLOB, TK_NUM, TK_LP, TK_RP, TK_COMMA,
  TK_EQ, TK_MINUS, TK_PLUS, TK_BAD
};

typedef struct Token {
  int eType;
  const char *z;       /* start in the argument text */
  int n;               /* length in the argument text */
} Token;

#define MAX_TOKENS 512

/* The tokens of one argument and the parse position. */
typedef struct Lexer {
  const char *zArg;
  Token aTok[MAX_TOKENS + 1];
  int nTok;
  int i;               /* next token */
} Lexer;

/* Length of the quoted token starting at z (quote character q, closing
 * character c; doubled closers are escapes), or -1 if unterminated. */
static int lexQuoted(const char *z, char c)
{
  int n = 1;
  for (;;) {
    if (z[n] == 0) return -1;
    if (z[n] == c) {
      if (c != ']' && z[n + 1] == c) { n += 2; continue; }
      return n + 1;
    }
    n++;
  }
}

/* Length of the number starting at z. */
static int lexNumber(const char *z)
{
  int n = 0;
  if (z[0] == '0' && (z[1] == 'x' || z[1] == 'X') && isxdigit((unsigned char)z[2])) {
    n = 2;
    while (isxdigit((unsigned char)z[n])) n++;
    return n;
  }
  while (isdigit((unsigned char)z[n])) n++;
  if (z[n] == '.') { n++; while (isdigit((unsigned char)z[n])) n++; }
  if ((z[n] == 'e' || z[n] == 'E')
      && (isdigit((unsigned char)z[n + 1])
          || ((z[n + 1] == '+' || z[n + 1] == '-') && isdigit((unsigned char)z[n + 2])))) {
    n += 2;
    while (isdigit((unsigned char)z[n])) n++;
  }
  return n;
}

/* Split zArg into tokens.  Returns 0, or -1 with *pzProblem set to a static
 * description (unterminated quote, too many tokens).  Characters that
 * start no token become TK_BAD tokens, reported by the parser in context. */
static int lexRun(Lexer *p, const char *zArg, const char **pzProblem)
{
  const char *z = zArg;
  p->zArg = zArg; p->nTok = 0; p->i = 0;
  while (*z) {
    Token *t = &p->aTok[p->nTok];
    int n;
    if (isspace((unsigned char)*z)) { z++; continue; }
    if (z[0] == '-' && z[1] == '-') { while (*z && *z != '\n') z++; continue; }
    if (p->nTok == MAX_TOKENS) { *pzProblem = "too many tokens"; return -1; }
    t->z = z;
    if ((z[0] == 'x' || z[0] == 'X') && z[1] == '\'') {
      n = lexQuoted(z + 1, '\'');
      if (n < 0) { *pzProblem = "unterminated quoted string"; return -1; }
      t->eType = TK_BLOB; n += 1;
    } else if (isalpha((unsigned char)*z) || *z == '_' || (unsigned char)*z >= 0x80) {
      n = 0;
      while (isalnum((unsigned char)z[n]) || z[n] == '_' || z[n] == '$'
             || (unsigned char)z[n] >= 0x80) n++;
      t->eType = TK_ID;
    } else if (isdigit((unsigned char)*z) || (*z == '.' && isdigit((unsigned char)z[1]))) {
      n = lexNumber(z); t->eType = TK_NUM;
    } else if (*z == '\'' || *z == '"' || *z == '`' || *z == '[') {
      n = lexQuoted(z, *z == '[' ? ']' : *z);
      if (n < 0) {
        *pzProblem = *z == '\'' ? "unterminated quoted string"
                                : "unterminated quoted identifier";
        return -1;
      }
      t->eType = *z == '\'' ? TK_STR : TK_QID;
    } else {
      n = 1;
      switch (*z) {
      case '(': t->eType = TK_LP; break;
      case ')': t->eType = TK_RP; break;
      case ',': t->eType = TK_COMMA; break;
      case '=': t->eType = TK_EQ; break;
      case '-': t->eType = TK_MINUS; break;
      case '+': t->eType = TK_PLUS; break;
      default: t->eType = TK_BAD; break;   /* the parser says where */
      }
    }
    t->n = n;
    z += n;
    p->nTok++;
  }
  p->aTok[p->nTok].eType = TK_END;
  p->aTok[p->nTok].z = z;
  p->aTok[p->nTok].n = 0;
  return 0;
}

/* The current token, without consuming it. */
static Token *lexPeek(Lexer *p, int ahead)
{
  int i = p->i + ahead;
  return &p->aTok[i > p->nTok ? p->nTok : i];
}

/* True if token t is the bare keyword zKw (case-insensitive). */
static int tokIsKw(const Token *t, const char *zKw)
{
  return t->eType == TK_ID && (int)strlen(zKw) == t->n
      && sqlite3_strnicmp(t->z, zKw, t->n) == 0;
}

/* Consume the current token if it is keyword zKw. */
static int lexKw(Lexer *p, const char *zKw)
{
  if (!tokIsKw(lexPeek(p, 0), zKw)) return 0;
  p->i++;
  return 1;
}

/* A name token: bare identifier, quoted identifier or string. */
static int tokIsName(const Token *t)
{
  return t->eType == TK_ID || t->eType == TK_QID || t->eType == TK_STR;
}

/* Dequote a name or string token into a new string (sqlite3_malloc). */
static char *tokText(const Token *t)
{
  char *z, q;
  int i, j;
  if (t->eType != TK_QID && t->eType != TK_STR) return sqlite3_mprintf("%.*s", t->n, t->z);
  z = sqlite3_malloc(t->n + 1);
  if (z == NULL) return NULL;
  q = t->z[0] == '[' ? ']' : t->z[0];
  for (i = 1, j = 0; i < t->n - 1; i++) {
    z[j++] = t->z[i];
    if (t->z[i] == q && q != ']') i++;
  }
  z[j] = 0;
  return z;
}

/* ----------------------------------------------------------- builder -- */

/* Column names are matched case-insensitively, as SQLite does (ASCII). */
static int findColumn(const lvt_args *pArgs, const char *zName)
{
  int i;
  for (i = 0; i < pArgs->def.ncol; i++)
    if (sqlite3_stricmp(pArgs->aCol[i].name, zName) == 0) return i;
  return -1;
}

/* The parse state: the result being built and the error, if any. */
typedef struct Parse {
  lvt_args *pArgs;
  const char *zArg;    /* the argument being parsed */
  char *zErr;          /* first error, sqlite3_malloc'd */
  int nPkSeen;         /* PRIMARY KEY clauses */
  int nUnnamed;        /* indexes waiting for a generated name */
  int iArg;            /* number of the argument being parsed */
  int *aIdxArg;        /* per index: the argument that defined it */
} Parse;

/* Record an error about the current argument (the first one wins). */
static void parseError(Parse *p, const char *zProblem, const char *zDetail)
{
  if (p->zErr) return;
  if (strcmp(zProblem, "out of memory") == 0) {  /* SQLITE_NOMEM, not a bad argument */
    p->zErr = (char *)"";
    return;
  }
  if (zDetail)
    p->zErr = sqlite3_mprintf("lmdb: argument \"%s\": %s %s", p->zArg, zProblem, zDetail);
  else
    p->zErr = sqlite3_mprintf("lmdb: argument \"%s\": %s", p->zArg, zProblem);
  if (p->zErr == NULL) p->zErr = (char *)"";   /* marks out-of-memory */
}

/* Report the token where something else was expected. */
static void parseUnexpected(Parse *p, Lexer *pLex, const char *zExpected)
{
  Token *t = lexPeek(pLex, 0);
  char *z;
  if (t->eType == TK_END) { parseError(p, "unexpected end, expected", zExpected); return; }
  z = sqlite3_mprintf("\"%.*s\", expected %s", t->n, t->z, zExpected);
  parseError(p, "unexpected", z ? z : "token");
  sqlite3_free(z);
}

/* Append an empty index definition; returns it or NULL (error set). */
static lvt_index_def *addIndex(Parse *p, char *zName, int bUnique, int bPrimary)
{
  lvt_args *a = p->pArgs;
  lvt_index_def *pIdx;
  if (a->def.nidx == a->nIdxAlloc) {
    int n = a->nIdxAlloc ? a->nIdxAlloc * 2 : 4;
    lvt_index_def *aNew = sqlite3_realloc(a->aIdx, n * (int)sizeof *aNew);
    if (aNew == NULL) { sqlite3_free(zName); parseError(p, "out of memory", NULL); return NULL; }
    a->aIdx = aNew; a->nIdxAlloc = n;
    a->def.idx = aNew;
  }
  if ((a->def.nidx & 7) == 0) {
    int *aArg = sqlite3_realloc(p->aIdxArg, (a->def.nidx + 8) * (int)sizeof(int));
    if (aArg == NULL) { sqlite3_free(zName); parseError(p, "out of memory", NULL); return NULL; }
    p->aIdxArg = aArg;
  }
  p->aIdxArg[a->def.nidx] = p->iArg;
  pIdx = &a->aIdx[a->def.nidx++];
  memset(pIdx, 0, sizeof *pIdx);
  pIdx->name = zName;
  pIdx->unique = bUnique;
  pIdx->primary = bPrimary;
  if (zName == NULL) p->nUnnamed++;
  return pIdx;
}

/* Append column iCol (with its DESC flag) to index pIdx. */
static int indexAddColumn(Parse *p, lvt_index_def *pIdx, int iCol, int bDesc)
{
  int *aCols = sqlite3_realloc((int *)pIdx->cols, (pIdx->ncol + 1) * (int)sizeof(int));
  unsigned char *aDesc;
  if (aCols) pIdx->cols = aCols;
  aDesc = sqlite3_realloc((unsigned char *)pIdx->desc, pIdx->ncol + 1);
  if (aDesc) pIdx->desc = aDesc;
  if (aCols == NULL || aDesc == NULL) { parseError(p, "out of memory", NULL); return -1; }
  aCols[pIdx->ncol] = iCol;
  aDesc[pIdx->ncol] = (unsigned char)(bDesc != 0);
  pIdx->ncol++;
  return 0;
}

/* ----------------------------------------------------------- columns -- */

/* Keywords that end a column's type name. */
static int isConstraintKw(const Token *t)
{
  static const char *const azKw[] = {
    "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "DEFAULT", "COLLATE",
    "CHECK", "REFERENCES", "GENERATED", "AS", "ON", "AUTOINCREMENT"
  };
  size_t i;
  for (i = 0; i < sizeof azKw / sizeof azKw[0]; i++)
    if (tokIsKw(t, azKw[i])) return 1;
  return 0;
}

/* Parse the optional type name: words, then optionally "(n)" or "(n,m)"
 * with signed numbers.  Sets *pzType (NULL when there is none). */
static int parseType(Parse *p, Lexer *pLex, char **pzType)
{
  char *z = NULL;
  Token *t;
  while ((t = lexPeek(pLex, 0))->eType == TK_ID && !isConstraintKw(t)) {
    char *zNew = z ? sqlite3_mprintf("%s %.*s", z, t->n, t->z)
                   : sqlite3_mprintf("%.*s", t->n, t->z);
    sqlite3_free(z);
    if ((z = zNew) == NULL) { parseError(p, "out of memory", NULL); return -1; }
    pLex->i++;
  }
  if (z && lexPeek(pLex, 0)->eType == TK_LP) {
    int iStart = pLex->i, nNum = 0;
    const char *zEnd;
    pLex->i++;
    for (;;) {
      t = lexPeek(pLex, 0);
      if (t->eType == TK_MINUS || t->eType == TK_PLUS) { pLex->i++; t = lexPeek(pLex, 0); }
      if (t->eType != TK_NUM) break;
      pLex->i++; nNum++;
      if (lexPeek(pLex, 0)->eType != TK_COMMA || nNum == 2) break;
      pLex->i++;
    }
    if (nNum == 0 || lexPeek(pLex, 0)->eType != TK_RP) {
      sqlite3_free(z);
      parseError(p, "bad type name: expected (size) or (precision, scale) after", "the type");
      return -1;
    }
    zEnd = lexPeek(pLex, 0)->z + 1;
    pLex->i++;
    {
      char *zNew = sqlite3_mprintf("%s%.*s", z, (int)(zEnd - pLex->aTok[iStart].z),
                                   pLex->aTok[iStart].z);
      sqlite3_free(z);
      if ((z = zNew) == NULL) { parseError(p, "out of memory", NULL); return -1; }
    }
  }
  t = lexPeek(pLex, 0);
  if (t->eType != TK_END && !isConstraintKw(t)) {
    char *zTok = sqlite3_mprintf("\"%.*s\"", t->n, t->z);
    sqlite3_free(z);
    parseError(p, "bad type name at", zTok ? zTok : "token");
    sqlite3_free(zTok);
    return -1;
  }
  *pzType = z;
  return 0;
}

/* Parse a signed numeric literal into *pVal. */
static int parseNumber(Parse *p, const Token *t, int bNeg, lvt_value *pVal)
{
  char *z = sqlite3_mprintf("%.*s", t->n, t->z);
  if (z == NULL) { parseError(p, "out of memory", NULL); return -1; }
  if (t->n > 2 && z[0] == '0' && (z[1] == 'x' || z[1] == 'X')) {
    if (t->n > 18) { sqlite3_free(z); parseError(p, "hex literal too big", NULL); return -1; }
    pVal->type = LVT_INTEGER;
    pVal->u.i = (int64_t)strtoull(z + 2, NULL, 16);
    if (bNeg) pVal->u.i = (int64_t)(0 - (uint64_t)pVal->u.i);
  } else if (strpbrk(z, ".eE") == NULL) {
    unsigned long long u;
    errno = 0;
    u = strtoull(z, NULL, 10);
    if (errno == 0 && u <= (unsigned long long)INT64_MAX) {
      pVal->type = LVT_INTEGER; pVal->u.i = bNeg ? -(int64_t)u : (int64_t)u;
    } else if (errno == 0 && bNeg && u == (unsigned long long)INT64_MAX + 1) {
      pVal->type = LVT_INTEGER; pVal->u.i = INT64_MIN;
    } else {
      pVal->type = LVT_REAL; pVal->u.r = strtod(z, NULL) * (bNeg ? -1 : 1);
    }
  } else {
    pVal->type = LVT_REAL; pVal->u.r = strtod(z, NULL) * (bNeg ? -1 : 1);
  }
  sqlite3_free(z);
  return 0;
}

/* Decode the hex digits of an x'...' literal into a new BLOB value. */
static int parseBlob(Parse *p, const Token *t, lvt_value *pVal)
{
  int nHex = t->n - 3, i;
  unsigned char *a;
  for (i = 0; i < nHex; i++)
    if (!isxdigit((unsigned char)t->z[2 + i])) nHex = -1;
  if (nHex < 0 || nHex % 2) { parseError(p, "malformed blob literal in", "DEFAULT"); return -1; }
  a = sqlite3_malloc(nHex / 2 + 1);
  if (a == NULL) { parseError(p, "out of memory", NULL); return -1; }
  for (i = 0; i < nHex / 2; i++) {
    char hex[3] = { t->z[2 + 2 * i], t->z[3 + 2 * i], 0 };
    a[i] = (unsigned char)strtoul(hex, NULL, 16);
  }
  pVal->type = LVT_BLOB; pVal->u.s.p = a; pVal->u.s.n = (size_t)(nHex / 2);
  return 0;
}

/* DEFAULT literal: [+|-]number, 'text', x'blob', NULL, TRUE, FALSE, or one
 * of those in parentheses.  Expressions are refused: the value must not
 * depend on when the row is inserted. */
static int parseDefault(Parse *p, Lexer *pLex, lvt_column_def *pCol)
{
  int nParen = 0, bNeg = 0, rc = 0;
  Token *t;
  if (pCol->dflt.type == LVT_TEXT || pCol->dflt.type == LVT_BLOB)   /* a second DEFAULT */
    sqlite3_free((void *)pCol->dflt.u.s.p);
  while (lexPeek(pLex, 0)->eType == TK_LP) { nParen++; pLex->i++; }
  t = lexPeek(pLex, 0);
  if (t->eType == TK_MINUS || t->eType == TK_PLUS) { bNeg = t->eType == TK_MINUS; pLex->i++; t = lexPeek(pLex, 0); }
  memset(&pCol->dflt, 0, sizeof pCol->dflt);
  pCol->dflt.type = LVT_NULL;
  if (t->eType == TK_NUM) {
    rc = parseNumber(p, t, bNeg, &pCol->dflt);
  } else if (t->eType == TK_STR && !bNeg) {
    char *z = tokText(t);
    if (z == NULL) { parseError(p, "out of memory", NULL); return -1; }
    pCol->dflt.type = LVT_TEXT; pCol->dflt.u.s.p = z; pCol->dflt.u.s.n = strlen(z);
  } else if (t->eType == TK_BLOB && !bNeg) {
    rc = parseBlob(p, t, &pCol->dflt);
  } else if (tokIsKw(t, "TRUE") || tokIsKw(t, "FALSE")) {
    pCol->dflt.type = LVT_INTEGER; pCol->dflt.u.i = tokIsKw(t, "TRUE");
  } else if (!tokIsKw(t, "NULL") || bNeg) {
    parseError(p, "DEFAULT must be a literal value (number, 'text', x'blob', NULL, TRUE or FALSE)", NULL);
    return -1;
  }
  if (rc) return rc;
  pLex->i++;
  while (nParen-- > 0) {
    if (lexPeek(pLex, 0)->eType != TK_RP) {
      parseError(p, "DEFAULT must be a literal value (number, 'text', x'blob', NULL, TRUE or FALSE)", NULL);
      return -1;
    }
    pLex->i++;
  }
  pCol->has_default = 1;   /* DEFAULT NULL is a DEFAULT too, as in SQLite */
  return 0;
}

/* COLLATE name: one of SQLite's built-in three. */
static int parseCollate(Parse *p, Lexer *pLex, int *pColl)
{
  static const char *const azColl[] = { "BINARY", "NOCASE", "RTRIM" };
  Token *t = lexPeek(pLex, 0);
  int i;
  if (tokIsName(t)) {
    char *z = tokText(t);
    for (i = 0; z && i < 3; i++) {
      if (sqlite3_stricmp(z, azColl[i]) == 0) {
        sqlite3_free(z); pLex->i++; *pColl = i; return 0;
      }
    }
    if (z) parseError(p, "unsupported collation (BINARY, NOCASE or RTRIM):", z);
    else parseError(p, "out of memory", NULL);
    sqlite3_free(z);
    return -1;
  }
  parseUnexpected(p, pLex, "a collation name");
  return -1;
}

/* Grow the column array by one zeroed column; returns it or NULL. */
static lvt_column_def *addColumn(Parse *p, char *zName)
{
  lvt_args *a = p->pArgs;
  lvt_column_def *pCol;
  if (a->def.ncol == a->nColAlloc) {
    int n = a->nColAlloc ? a->nColAlloc * 2 : 8;
    lvt_column_def *aNew = sqlite3_realloc(a->aCol, n * (int)sizeof *aNew);
    if (aNew == NULL) { sqlite3_free(zName); parseError(p, "out of memory", NULL); return NULL; }
    a->aCol = aNew; a->nColAlloc = n;
    a->def.cols = aNew;
  }
  pCol = &a->aCol[a->def.ncol++];
  memset(pCol, 0, sizeof *pCol);
  pCol->name = zName;
  pCol->dflt.type = LVT_NULL;
  return pCol;
}

/* The column's PRIMARY KEY [ASC|DESC]: the rowid when the declared type is
 * exactly INTEGER and the order is not DESC (as in SQLite), else the
 * "<table>_pk" index. */
static int columnPrimaryKey(Parse *p, Lexer *pLex, int iCol)
{
  lvt_index_def *pIdx;
  int bDesc = 0;
  const char *zType = p->pArgs->aCol[iCol].decltype;
  if (lexKw(pLex, "DESC")) bDesc = 1; else lexKw(pLex, "ASC");
  if (tokIsKw(lexPeek(pLex, 0), "AUTOINCREMENT")) {
    parseError(p, "AUTOINCREMENT is not supported (a NULL key always gets the largest rowid + 1)", NULL);
    return -1;
  }
  if (p->nPkSeen++) { parseError(p, "the table has more than one primary key", NULL); return -1; }
  if (zType && sqlite3_stricmp(zType, "INTEGER") == 0 && !bDesc) {
    p->pArgs->def.ipk = iCol;
    return 0;
  }
  pIdx = addIndex(p, NULL, 1, 1);
  return pIdx ? indexAddColumn(p, pIdx, iCol, bDesc) : -1;
}

/* One column constraint; the keyword that starts it is the current token. */
static int parseColumnConstraint(Parse *p, Lexer *pLex, int iCol)
{
  lvt_column_def *pCol = &p->pArgs->aCol[iCol];
  if (lexKw(pLex, "CONSTRAINT")) {
    if (!tokIsName(lexPeek(pLex, 0))) { parseUnexpected(p, pLex, "a constraint name"); return -1; }
    pLex->i++;
    return 0;
  }
  if (lexKw(pLex, "PRIMARY")) {
    if (!lexKw(pLex, "KEY")) { parseUnexpected(p, pLex, "KEY"); return -1; }
    return columnPrimaryKey(p, pLex, iCol);
  }
  if (lexKw(pLex, "NOT")) {
    if (!lexKw(pLex, "NULL")) { parseUnexpected(p, pLex, "NULL"); return -1; }
    pCol->notnull = 1;
    return 0;
  }
  if (lexKw(pLex, "NULL")) return 0;
  if (lexKw(pLex, "UNIQUE")) {
    lvt_index_def *pIdx = addIndex(p, NULL, 1, 0);
    return pIdx ? indexAddColumn(p, pIdx, iCol, 0) : -1;
  }
  if (lexKw(pLex, "DEFAULT")) return parseDefault(p, pLex, pCol);
  if (lexKw(pLex, "COLLATE")) return parseCollate(p, pLex, &pCol->collation);
  if (lexPeek(pLex, 0)->eType == TK_ID) {
    Token *t = lexPeek(pLex, 0);
    char *z = sqlite3_mprintf("%.*s", t->n, t->z);
    parseError(p, "unsupported column constraint", z ? z : "");
    sqlite3_free(z);
    return -1;
  }
  parseUnexpected(p, pLex, "a column constraint");
  return -1;
}

/* name [type] [constraints...] */
static int parseColumn(Parse *p, Lexer *pLex)
{
  char *zName = tokText(lexPeek(pLex, 0));
  lvt_column_def *pCol;
  char *zType = NULL;
  int iCol;
  if (zName == NULL) { parseError(p, "out of memory", NULL); return -1; }
  if (findColumn(p->pArgs, zName) >= 0) {
    parseError(p, "duplicate column name:", zName);
    sqlite3_free(zName);
    return -1;
  }
  pLex->i++;
  if ((pCol = addColumn(p, zName)) == NULL) return -1;
  iCol = p->pArgs->def.ncol - 1;
  if (parseType(p, pLex, &zType)) return -1;
  pCol->decltype = zType;
  pCol->affinity = lvt_affinity(zType);
  while (lexPeek(pLex, 0)->eType != TK_END) {
    if (parseColumnConstraint(p, pLex, iCol)) return -1;
  }
  return 0;
}

/* ------------------------------------------------- table constraints -- */

/* "(col [COLLATE c] [ASC|DESC], ...)" into pIdx.  A COLLATE here must name
 * the column's own collation: index keys use the column's. */
static int parseIndexColumns(Parse *p, Lexer *pLex, lvt_index_def *pIdx)
{
  if (lexPeek(pLex, 0)->eType != TK_LP) { parseUnexpected(p, pLex, "\"(\""); return -1; }
  pLex->i++;
  for (;;) {
    Token *t = lexPeek(pLex, 0);
    char *zCol;
    int iCol, bDesc = 0;
    if (!tokIsName(t)) { parseUnexpected(p, pLex, "a column name"); return -1; }
    if ((zCol = tokText(t)) == NULL) { parseError(p, "out of memory", NULL); return -1; }
    iCol = findColumn(p->pArgs, zCol);
    if (iCol < 0) { parseError(p, "no such column:", zCol); sqlite3_free(zCol); return -1; }
    sqlite3_free(zCol);
    pLex->i++;
    if (lexKw(pLex, "COLLATE")) {
      int iColl;
      if (parseCollate(p, pLex, &iColl)) return -1;
      if (iColl != p->pArgs->aCol[iCol].collation) {
        parseError(p, "an index column must use its column's collation:", p->pArgs->aCol[iCol].name);
        return -1;
      }
    }
    if (lexKw(pLex, "DESC")) bDesc = 1; else lexKw(pLex, "ASC");
    if (indexAddColumn(p, pIdx, iCol, bDesc)) return -1;
    if (lexPeek(pLex, 0)->eType == TK_COMMA) { pLex->i++; continue; }
    if (lexPeek(pLex, 0)->eType == TK_RP) { pLex->i++; break; }
    parseUnexpected(p, pLex, "\",\" or \")\"");
    return -1;
  }
  if (lexPeek(pLex, 0)->eType != TK_END) { parseUnexpected(p, pLex, "the end of the argument"); return -1; }
  return 0;
}

/* PRIMARY KEY (cols): one INTEGER column is the rowid, in any order (as
 * SQLite's table-constraint form); otherwise the "<table>_pk" index. */
static int parseTablePrimaryKey(Parse *p, Lexer *pLex)
{
  lvt_index_def *pIdx;
  lvt_args *a = p->pArgs;
  if (p->nPkSeen++) { parseError(p, "the table has more than one primary key", NULL); return -1; }
  if ((pIdx = addIndex(p, NULL, 1, 1)) == NULL) return -1;
  if (parseIndexColumns(p, pLex, pIdx)) return -1;
  if (pIdx->ncol == 1 && a->aCol[pIdx->cols[0]].decltype
      && sqlite3_stricmp(a->aCol[pIdx->cols[0]].decltype, "INTEGER") == 0) {
    a->def.ipk = pIdx->cols[0];
    sqlite3_free((void *)pIdx->cols);
    sqlite3_free((void *)pIdx->desc);
    a->def.nidx--;
    p->nUnnamed--;
  }
  return 0;
}

/* UNIQUE [name] (cols) or INDEX [name] (cols). */
static int parseTableIndex(Parse *p, Lexer *pLex, int bUnique)
{
  char *zName = NULL;
  lvt_index_def *pIdx;
  if (tokIsName(lexPeek(pLex, 0))) {
    if ((zName = tokText(lexPeek(pLex, 0))) == NULL) { parseError(p, "out of memory", NULL); return -1; }
    pLex->i++;
  }
  if ((pIdx = addIndex(p, zName, bUnique, 0)) == NULL) return -1;
  return parseIndexColumns(p, pLex, pIdx);
}

/* ----------------------------------------------------------- options -- */

/* Parse a size such as 268435456, '256MB', '1 GiB', '64k' (powers of 1024). */
static int parseSize(const char *z, size_t *pOut)
{
  static const struct { const char *zSuffix; int nShift; } aUnit[] = {
    { "", 0 }, { "b", 0 }, { "k", 10 }, { "kb", 10 }, { "kib", 10 },
    { "m", 20 }, { "mb", 20 }, { "mib", 20 }, { "g", 30 }, { "gb", 30 },
    { "gib", 30 }, { "t", 40 }, { "tb", 40 }, { "tib", 40 },
  };
  unsigned long long u;
  char *zEnd;
  size_t i;
  if (!isdigit((unsigned char)*z)) return -1;
  errno = 0;
  u = strtoull(z, &zEnd, 10);
  if (errno || u == 0) return -1;
  while (isspace((unsigned char)*zEnd)) zEnd++;
  for (i = 0; i < sizeof aUnit / sizeof aUnit[0]; i++) {
    if (sqlite3_stricmp(zEnd, aUnit[i].zSuffix) == 0) {
      if (u > ((unsigned long long)SIZE_MAX >> aUnit[i].nShift)) return -1;
      *pOut = (size_t)(u << aUnit[i].nShift);
      return 0;
    }
  }
  return -1;
}

/* Largest mapsize option: 64 TiB.  x86-64 user space is 128 TiB, and a map
 * LMDB cannot reserve fails only when the environment opens, as "out of
 * memory". */
#define MAPSIZE_MAX ((uint64_t)1 << 46)

/* The value of "key = value": the rest of the argument, one quoted token
 * dequoted, anything else as written. */
static char *optionValue(Lexer *pLex)
{
  Token *t = lexPeek(pLex, 0);
  const char *zEnd = t->z + strlen(t->z);
  if ((t->eType == TK_STR || t->eType == TK_QID) && lexPeek(pLex, 1)->eType == TK_END)
    return tokText(t);
  while (zEnd > t->z && isspace((unsigned char)zEnd[-1])) zEnd--;
  return sqlite3_mprintf("%.*s", (int)(zEnd - t->z), t->z);
}

/* Store one option value; zVal is consumed. */
static int setOption(Parse *p, const char *zKey, char *zVal)
{
  lvt_args *a = p->pArgs;
  int rc = 0;
  if (sqlite3_stricmp(zKey, "env") == 0 || sqlite3_stricmp(zKey, "table") == 0) {
    char **pz = (zKey[0] == 'e' || zKey[0] == 'E') ? &a->zEnv : &a->zTable;
    if (zVal[0] == 0) { parseError(p, "empty value for option", zKey); rc = -1; }
    else { *pz = zVal; zVal = NULL; }
  } else if (sqlite3_stricmp(zKey, "mapsize") == 0) {
    if (parseSize(zVal, &a->mapsize) || (uint64_t)a->mapsize > MAPSIZE_MAX) {
      parseError(p, "invalid mapsize (expected a size such as 268435456, '256MB' or '1GB'):", zVal);
      rc = -1;
    }
  } else if (sqlite3_stricmp(zKey, "sync") == 0) {
    if (sqlite3_stricmp(zVal, "full") == 0) a->sync = LVT_SYNC_FULL;
    else if (sqlite3_stricmp(zVal, "normal") == 0) a->sync = LVT_SYNC_NORMAL;
    else if (sqlite3_stricmp(zVal, "off") == 0) a->sync = LVT_SYNC_OFF;
    else { parseError(p, "invalid sync (expected full, normal or off):", zVal); rc = -1; }
  } else if (sqlite3_stricmp(zKey, "strict") == 0) {
    if (strcmp(zVal, "0") == 0 || strcmp(zVal, "1") == 0) a->def.strict = zVal[0] == '1';
    else { parseError(p, "invalid strict (expected 0 or 1):", zVal); rc = -1; }
  } else {
    parseError(p, "unknown option (expected env, table, mapsize, sync or strict):", zKey);
    rc = -1;
  }
  sqlite3_free(zVal);
  return rc;
}

/* key = value */
static int parseOption(Parse *p, Lexer *pLex, unsigned *pmSeen)
{
  static const char *const azKey[] = { "env", "table", "mapsize", "sync", "strict" };
  char *zKey = tokText(lexPeek(pLex, 0)), *zVal;
  unsigned i;
  int rc;
  if (zKey == NULL) { parseError(p, "out of memory", NULL); return -1; }
  for (i = 0; i < 5; i++) {
    if (sqlite3_stricmp(zKey, azKey[i]) == 0) {
      if (*pmSeen & (1u << i)) {
        parseError(p, "option given twice:", zKey);
        sqlite3_free(zKey);
        return -1;
      }
      *pmSeen |= 1u << i;
    }
  }
  pLex->i += 2;
  zVal = optionValue(pLex);
  if (zVal == NULL) { sqlite3_free(zKey); parseError(p, "out of memory", NULL); return -1; }
  rc = setOption(p, zKey, zVal);
  sqlite3_free(zKey);
  return rc;
}

/* ---------------------------------------------------------- arguments -- */

enum { ARG_COLUMN, ARG_OPTION, ARG_PRIMARY, ARG_UNIQUE, ARG_INDEX, ARG_EMPTY };

/* What kind of argument the tokens are.  A leading CONSTRAINT name before
 * PRIMARY KEY / UNIQUE is skipped. */
static int argKind(Lexer *pLex)
{
  Token *t0 = lexPeek(pLex, 0), *t1 = lexPeek(pLex, 1), *t2 = lexPeek(pLex, 2);
  if (t0->eType == TK_END) return ARG_EMPTY;
  if (tokIsName(t0) && t1->eType == TK_EQ) return ARG_OPTION;
  if (tokIsKw(t0, "CONSTRAINT") && tokIsName(t1)
      && (tokIsKw(t2, "PRIMARY") || tokIsKw(t2, "UNIQUE"))) {
    pLex->i += 2;
    return argKind(pLex);
  }
  if (tokIsKw(t0, "PRIMARY") && tokIsKw(t1, "KEY") && t2->eType == TK_LP) return ARG_PRIMARY;
  if ((tokIsKw(t0, "UNIQUE") || tokIsKw(t0, "INDEX"))
      && (t1->eType == TK_LP || (tokIsName(t1) && t2->eType == TK_LP)))
    return tokIsKw(t0, "UNIQUE") ? ARG_UNIQUE : ARG_INDEX;
  if (tokIsName(t0)) return ARG_COLUMN;
  return -1;
}

/* Parse one argument; pass 0 takes columns and options, pass 1 the table
 * constraints (which may name columns given after them). */
static int parseArg(Parse *p, const char *zArg, int iPass, unsigned *pmSeen)
{
  Lexer *pLex = sqlite3_malloc(sizeof *pLex);
  const char *zProblem = NULL;
  int rc = 0, eKind;
  if (pLex == NULL) { parseError(p, "out of memory", NULL); return -1; }
  p->zArg = zArg;
  if (lexRun(pLex, zArg, &zProblem)) {
    if (iPass == 0) parseError(p, zProblem, NULL);
    sqlite3_free(pLex);
    return -1;
  }
  eKind = argKind(pLex);
  if (eKind == ARG_COLUMN && (tokIsKw(lexPeek(pLex, 0), "CHECK") || tokIsKw(lexPeek(pLex, 0), "FOREIGN"))
      && (lexPeek(pLex, 1)->eType == TK_LP || tokIsKw(lexPeek(pLex, 1), "KEY"))) {
    /* CHECK (...) and FOREIGN KEY (...): table constraints, not columns */
    char *z = sqlite3_mprintf("%.*s", lexPeek(pLex, 0)->n, lexPeek(pLex, 0)->z);
    if (iPass == 0) parseError(p, "unsupported table constraint", z ? z : "");
    sqlite3_free(z);
    sqlite3_free(pLex);
    return -1;
  }
  if (eKind < 0) {
    if (iPass == 0) parseUnexpected(p, pLex, "a column definition, a table constraint or an option");
    rc = -1;
  } else if (iPass == 0) {
    if (eKind == ARG_COLUMN) rc = parseColumn(p, pLex);
    else if (eKind == ARG_OPTION) rc = parseOption(p, pLex, pmSeen);
    else if (eKind == ARG_EMPTY) { parseError(p, "empty argument", NULL); rc = -1; }
  } else {
    if (eKind == ARG_PRIMARY) { pLex->i += 2; rc = parseTablePrimaryKey(p, pLex); }
    else if (eKind == ARG_UNIQUE) { pLex->i++; rc = parseTableIndex(p, pLex, 1); }
    else if (eKind == ARG_INDEX) { pLex->i++; rc = parseTableIndex(p, pLex, 0); }
  }
  sqlite3_free(pLex);
  return rc;
}

/* ------------------------------------------------------------ naming -- */

/* True if some index other than iSkip is named zName. */
static int indexNameTaken(const lvt_args *a, const char *zName, int iSkip)
{
  int i;
  for (i = 0; i < a->def.nidx; i++)
    if (i != iSkip && a->aIdx[i].name && sqlite3_stricmp(a->aIdx[i].name, zName) == 0)
      return 1;
  return 0;
}

/* The generated name of index i: "<table>_pk" for the primary key, else
 * "<table>_<col>[_<col>...]"; "_2", "_3"... when taken. */
static char *indexGenName(const lvt_args *a, int i)
{
  const lvt_index_def *pIdx = &a->aIdx[i];
  char *zBase, *zName;
  int j, n;
  if (pIdx->primary) {
    zBase = sqlite3_mprintf("%s_pk", a->def.name);
  } else {
    zBase = sqlite3_mprintf("%s", a->def.name);
    for (j = 0; zBase && j < pIdx->ncol; j++) {
      char *z = sqlite3_mprintf("%s_%s", zBase, a->aCol[pIdx->cols[j]].name);
      sqlite3_free(zBase);
      zBase = z;
    }
  }
  if (zBase == NULL || !indexNameTaken(a, zBase, i)) return zBase;
  for (n = 2;; n++) {
    zName = sqlite3_mprintf("%s_%d", zBase, n);
    if (zName == NULL || !indexNameTaken(a, zName, i)) break;
    sqlite3_free(zName);
  }
  sqlite3_free(zBase);
  return zName;
}

/* Put the indexes in the order their arguments came in (column
 * constraints were collected in a first pass), as CREATE TABLE creates
 * them: the order in which constraints are checked depends on it. */
static void sortIndexes(Parse *p)
{
  lvt_args *a = p->pArgs;
  int i, j;
  for (i = 1; i < a->def.nidx; i++) {
    lvt_index_def x = a->aIdx[i];
    int k = p->aIdxArg[i];
    for (j = i; j > 0 && p->aIdxArg[j - 1] > k; j--) {
      a->aIdx[j] = a->aIdx[j - 1];
      p->aIdxArg[j] = p->aIdxArg[j - 1];
    }
    a->aIdx[j] = x;
    p->aIdxArg[j] = k;
  }
}

/* Check the explicit index names, then name the others. */
static int nameIndexes(Parse *p)
{
  lvt_args *a = p->pArgs;
  int i;
  for (i = 0; i < a->def.nidx; i++) {
    if (a->aIdx[i].name && indexNameTaken(a, a->aIdx[i].name, i)) {
      p->zArg = a->aIdx[i].name;
      p->zErr = sqlite3_mprintf("lmdb: index name \"%s\" is used twice", a->aIdx[i].name);
      if (p->zErr == NULL) p->zErr = (char *)"";
      return -1;
    }
  }
  for (i = 0; i < a->def.nidx; i++) {
    if (a->aIdx[i].name == NULL) {
      a->aIdx[i].name = indexGenName(a, i);
      if (a->aIdx[i].name == NULL) { parseError(p, "out of memory", NULL); return -1; }
    }
  }
  return 0;
}

/* The catalog's limits on names (catalog.c: non-empty, at most 255 bytes),
 * checked here so that such a table fails before its environment exists. */
#define NAME_MAX_LEN 255

static int nameBad(Parse *p, const char *zWhat, const char *zTable, const char *zName)
{
  if (zName[0] && strlen(zName) <= NAME_MAX_LEN) return 0;
  p->zErr = zName[0]
    ? sqlite3_mprintf("lmdb: table %s: %s name too long (over %d bytes): %.40s...", zTable,
                      zWhat, NAME_MAX_LEN, zName)
    : sqlite3_mprintf("lmdb: table %s: a %s has an empty name", zTable, zWhat);
  if (p->zErr == NULL) p->zErr = (char *)"";
  return 1;
}

static void checkNames(Parse *p, const char *zSqlName)
{
  const lvt_table_def *d = &p->pArgs->def;
  int i;
  if (nameBad(p, "table", zSqlName, d->name)) return;
  for (i = 0; i < d->ncol; i++)
    if (nameBad(p, "column", zSqlName, d->cols[i].name)) return;
  for (i = 0; i < d->nidx; i++)
    if (nameBad(p, "index", zSqlName, d->idx[i].name)) return;
}

/* ------------------------------------------------------------ public -- */

/* The declared type zType as sqlite3_declare_vtab must see it so that the
 * column is not hidden.  SQLite hides a virtual-table column whose type has
 * the word "hidden" (any case) between the start or a space and the end or
 * a space; a native table just keeps such a type (affinity: NUMERIC, or
 * whatever the other words give).  The spaces around such a word become
 * tabs, which leaves the affinity alone; a type that is that word alone
 * becomes NUMERIC, its affinity.  Returns a sqlite3_malloc'd copy, or NULL
 * when out of memory. */
static char *declareType(const char *zType)
{
  char *z = sqlite3_mprintf("%s", zType);
  size_t n, i;
  if (z == NULL) return NULL;
  n = strlen(z);
  for (i = 0; i + 6 <= n; i++) {
    if (sqlite3_strnicmp(z + i, "hidden", 6) != 0) continue;
    if ((i > 0 && z[i - 1] != ' ') || (z[i + 6] != '\0' && z[i + 6] != ' ')) continue;
    if (i > 0) z[i - 1] = '\t';
    else if (z[i + 6] == ' ') z[i + 6] = '\t';
    else { sqlite3_free(z); return sqlite3_mprintf("NUMERIC"); }
  }
  return z;
}

/* The schema text for sqlite3_declare_vtab: every column with its declared
 * type, NOT NULL and a non-BINARY collation, so SQLite applies the same
 * affinity and collation to comparisons as on a native table (a type with
 * the word HIDDEN is rewritten by declareType, so that the column stays
 * visible as on a native table).  Keys and
 * defaults are not declared: SQLite ignores them on virtual tables.  The
 * caller frees the result with sqlite3_free(); NULL when out of memory. */
char *lvt_args_declare(const lvt_table_def *def)
{
  static const char *const azColl[] = { "", " COLLATE NOCASE", " COLLATE RTRIM" };
  char *z = sqlite3_mprintf("CREATE TABLE x(");
  int i;
  for (i = 0; z && i < def->ncol; i++) {
    const lvt_column_def *c = &def->cols[i];
    char *zType = declareType(c->decltype ? c->decltype : "");
    int iColl = c->collation >= 0 && c->collation <= 2 ? c->collation : 0;
    char *zNew = zType ? sqlite3_mprintf("%s%s\"%w\"%s%s%s%s", z, i ? ", " : "", c->name,
                                         zType[0] ? " " : "", zType,
                                         c->notnull ? " NOT NULL" : "", azColl[iColl])
                       : NULL;
    sqlite3_free(zType);
    sqlite3_free(z);
    z = zNew;
  }
  if (z) {
    char *zNew = sqlite3_mprintf("%s)", z);
    sqlite3_free(z);
    z = zNew;
  }
  return z;
}

/* Free everything lvt_args_parse allocated.  NULL is a no-op. */
void lvt_args_free(lvt_args *a)
{
  int i;
  if (a == NULL) return;
  for (i = 0; i < a->def.ncol; i++) {
    sqlite3_free((void *)a->aCol[i].name);
    sqlite3_free((void *)a->aCol[i].decltype);
    if (a->aCol[i].dflt.type == LVT_TEXT || a->aCol[i].dflt.type == LVT_BLOB)
      sqlite3_free((void *)a->aCol[i].dflt.u.s.p);
  }
  for (i = 0; i < a->def.nidx; i++) {
    sqlite3_free((void *)a->aIdx[i].name);
    sqlite3_free((void *)a->aIdx[i].cols);
    sqlite3_free((void *)a->aIdx[i].desc);
  }
  sqlite3_free(a->aCol);
  sqlite3_free(a->aIdx);
  sqlite3_free(a->zName);
  sqlite3_free(a->zEnv);
  sqlite3_free(a->zTable);
  sqlite3_free(a);
}

/* Parse the nArg arguments azArg (the text between USING lmdb( and ),
 * split by SQLite) of the virtual table zSqlName.  On success *ppArgs owns
 * the definition (def.name is the table option, or zSqlName) and the
 * options; on failure *pzErr (sqlite3_malloc'd) names the argument and the
 * problem.  Returns SQLITE_OK, SQLITE_ERROR or SQLITE_NOMEM. */
int lvt_args_parse(int nArg, const char *const *azArg, const char *zSqlName,
                   lvt_args **ppArgs, char **pzErr)
{
  Parse sParse;
  unsigned mSeen = 0;
  int i, iPass;
  lvt_args *a = sqlite3_malloc(sizeof *a);
  *ppArgs = NULL; *pzErr = NULL;
  if (a == NULL) return SQLITE_NOMEM;
  memset(a, 0, sizeof *a);
  memset(&sParse, 0, sizeof sParse);
  a->def.ipk = -1;
  a->sync = LVT_SYNC_FULL;
  sParse.pArgs = a;
  for (iPass = 0; iPass < 2 && sParse.zErr == NULL; iPass++) {
    for (i = 0; i < nArg && sParse.zErr == NULL; i++) {
      sParse.iArg = i;
      parseArg(&sParse, azArg[i], iPass, &mSeen);
    }
    if (iPass == 0 && sParse.zErr == NULL) {
      a->zName = sqlite3_mprintf("%s", a->zTable ? a->zTable : zSqlName);
      a->def.name = a->zName;
      if (a->zName == NULL) sParse.zErr = (char *)"";
      else if (a->def.ncol == 0) {
        sParse.zErr = sqlite3_mprintf("lmdb: table %s has no columns", zSqlName);
        if (sParse.zErr == NULL) sParse.zErr = (char *)"";
      }
    }
  }
  if (sParse.zErr == NULL) sortIndexes(&sParse);
  if (sParse.zErr == NULL) nameIndexes(&sParse);
  if (sParse.zErr == NULL) checkNames(&sParse, zSqlName);
  sqlite3_free(sParse.aIdxArg);
  if (sParse.zErr) {
    int bNoMem = sParse.zErr[0] == 0;
    lvt_args_free(a);
    if (bNoMem) return SQLITE_NOMEM;
    *pzErr = sParse.zErr;
    return SQLITE_ERROR;
  }
  *ppArgs = a;
  return SQLITE_OK;
}
