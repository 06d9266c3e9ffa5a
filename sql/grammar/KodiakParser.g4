// Kodiak SQL grammar (PostgreSQL-flavoured). PL-Grizzly extends it: new statements are added as
// alternatives of `statement`, new expression forms as alternatives of `expr` / `primary`.
// Semantic checks live in the binder, never here; this file only decides structure.
parser grammar KodiakParser;

options { tokenVocab = KodiakLexer; }

script: SEMI* (statement (SEMI+ statement)*)? SEMI* EOF;

statement
    : query                                            # queryStmt
    | insertStmt                                       # insertStatement
    | updateStmt                                       # updateStatement
    | deleteStmt                                       # deleteStatement
    | createTableStmt                                  # createTableStatement
    | createIndexStmt                                  # createIndexStatement
    | createViewStmt                                   # createViewStatement
    | createSchemaStmt                                 # createSchemaStatement
    | dropStmt                                         # dropStatement
    | alterTableStmt                                   # alterTableStatement
    | transactionStmt                                  # transactionStatement
    | EXPLAIN ANALYZE? VERBOSE? statement              # explainStatement
    | ANALYZE qualifiedName?                           # analyzeStatement
    | SET (SESSION | LOCAL)? setTarget (TO | EQ) setValue  # setStatement
    | SET TRANSACTION transactionMode (COMMA? transactionMode)*  # setTransactionStatement
    | SET (SESSION | LOCAL)? TIME ZONE (STRING | identifier | LOCAL | DEFAULT)  # setTimeZoneStatement
    | SHOW (identifier (DOT identifier)* | ALL | TRANSACTION ISOLATION LEVEL)  # showStatement
    | RESET (identifier | ALL)                         # resetStatement
    | copyStmt                                         # copyStatement
    | PREPARE identifier (LPAREN typeName (COMMA typeName)* RPAREN)? AS statement  # prepareStatement
    | EXECUTE identifier (LPAREN expr (COMMA expr)* RPAREN)?  # executeStatement
    | DEALLOCATE PREPARE? (identifier | ALL)           # deallocateStatement
    | TRUNCATE TABLE? ONLY? qualifiedName (COMMA qualifiedName)* ((RESTART | CONTINUE) IDENTITY)? (CASCADE | RESTRICT)?  # truncateStatement
    | VACUUM (LPAREN identifier (COMMA identifier)* RPAREN)? FULL? FREEZE? VERBOSE? ANALYZE? (qualifiedName (COMMA qualifiedName)*)?  # vacuumStatement
    | DISCARD (ALL | identifier)                       # discardStatement
    | plStatement                                      # plStatementAlt
    ;

vacuumOption: (identifier | FULL) (identifier | TRUE | FALSE | INTEGER_LITERAL | STRING)?;

setTarget: identifier (DOT identifier)*;
setValue: expr (COMMA expr)* | DEFAULT;

// ---------- queries ----------
query: withClause? selectBody orderByClause? limitClause? lockingClause*;

// Row locks are accepted and need no action: serializable commit validation already covers the rows read.
lockingClause: FOR (UPDATE | identifier | NO KEY UPDATE | KEY identifier) (OF qualifiedName (COMMA qualifiedName)*)? (identifier | identifier identifier)?;

withClause: WITH RECURSIVE? cte (COMMA cte)*;
cte: identifier columnList? AS (NOT? MATERIALIZED)? LPAREN statement RPAREN;

selectBody
    : selectPrimary                                                    # primarySelect
    | selectBody INTERSECT (ALL | DISTINCT)? selectBody                # intersectSelect
    | selectBody (UNION | EXCEPT) (ALL | DISTINCT)? selectBody         # unionSelect
    ;

selectPrimary
    : selectCore
    | fromFirstCore
    | valuesClause
    | TABLE qualifiedName
    | LPAREN query RPAREN
    ;

selectCore
    : SELECT setQuantifier? selectList
      fromClause?
      whereClause?
      groupByClause?
      havingClause?
      windowClause?
    ;

setQuantifier: ALL | DISTINCT (ON LPAREN expr (COMMA expr)* RPAREN)?;

selectList: selectItem (COMMA selectItem)*;
selectItem
    : STAR                                   # starItem
    | qualifiedName DOT STAR                 # qualifiedStarItem
    | expr (AS columnAlias | identifier)?    # exprItem
    ;

columnAlias: identifier | STRING;

fromClause: FROM fromItem (COMMA fromItem)*;

fromItem
    : tablePrimary                                                       # primaryFrom
    | fromItem CROSS JOIN tablePrimary                                   # crossJoin
    | fromItem NATURAL joinType? JOIN tablePrimary                       # naturalJoin
    | fromItem joinType? JOIN fromItem joinCondition                     # qualifiedJoin
    ;

joinType: INNER | (LEFT | RIGHT | FULL) OUTER?;
joinCondition: ON expr | USING LPAREN identifier (COMMA identifier)* RPAREN;

tablePrimary
    : ONLY? qualifiedName STAR? aliasClause?                   # tableRef
    | LATERAL? LPAREN query RPAREN aliasClause?                # subqueryRef
    | LATERAL? functionCall (WITH ORDINALITY)? aliasClause?    # functionRef
    | LPAREN fromItem RPAREN aliasClause?                      # parenFrom
    ;

aliasClause: AS? identifier columnList?;
columnList: LPAREN identifier (COMMA identifier)* RPAREN;

whereClause: WHERE expr;
groupByClause: GROUP BY (ALL | DISTINCT)? expr (COMMA expr)*;
havingClause: HAVING expr;
windowClause: WINDOW windowDef (COMMA windowDef)*;
windowDef: identifier AS LPAREN windowSpec RPAREN;

orderByClause: ORDER BY sortItem (COMMA sortItem)*;
sortItem: expr (ASC | DESC | USING (LT | GT))? (NULLS (FIRST | LAST))?;

limitClause
    : LIMIT (expr | ALL) (OFFSET expr (ROW | ROWS)?)?
    | OFFSET expr (ROW | ROWS)? (LIMIT (expr | ALL))?
    | OFFSET expr (ROW | ROWS)? FETCH (FIRST | NEXT) expr? (ROW | ROWS) ONLY
    | FETCH (FIRST | NEXT) expr? (ROW | ROWS) ONLY
    ;

valuesClause: VALUES valuesRow (COMMA valuesRow)*;
valuesRow: LPAREN valuesItem (COMMA valuesItem)* RPAREN;
valuesItem: expr | DEFAULT;

// ---------- DML ----------
insertStmt
    : withClause? INSERT INTO qualifiedName (AS identifier)? columnList?
      (query | DEFAULT VALUES)
      onConflict?
      returningClause?
    ;

onConflict
    : ON CONFLICT (LPAREN identifier (COMMA identifier)* RPAREN | ON CONSTRAINT identifier)?
      DO (NOTHING | UPDATE SET setClause (COMMA setClause)* whereClause?)
    ;

setClause
    : identifier EQ (expr | DEFAULT)
    | columnList EQ LPAREN expr (COMMA expr)* RPAREN
    ;

returningClause: RETURNING selectList;

updateStmt
    : withClause? UPDATE ONLY? qualifiedName aliasClause? SET setClause (COMMA setClause)*
      fromClause? whereClause? returningClause?
    ;

deleteStmt
    : withClause? DELETE FROM ONLY? qualifiedName aliasClause?
      (USING fromItem (COMMA fromItem)*)? whereClause? returningClause?
    ;

copyStmt
    : COPY qualifiedName columnList? (FROM | TO) (STDIN | STDOUT | STRING)
      (WITH? LPAREN copyOption (COMMA copyOption)* RPAREN | copyOption*)
    | COPY LPAREN query RPAREN TO (STDOUT | STRING) (WITH? LPAREN copyOption (COMMA copyOption)* RPAREN | copyOption*)
    ;
copyOption: identifier (identifier | STRING | TRUE | FALSE | ON | INTEGER_LITERAL)? | CSV | HEADER | FORMAT identifier | DELIMITER STRING;

// ---------- DDL ----------
createTableStmt
    : CREATE (TEMP | TEMPORARY)? TABLE (IF NOT EXISTS)? qualifiedName
      LPAREN tableElement (COMMA tableElement)* RPAREN storageParams?
    | CREATE (TEMP | TEMPORARY)? TABLE (IF NOT EXISTS)? qualifiedName columnList? AS query
    ;

// `WITH (fillfactor = 100)`: physical storage hints, accepted and ignored (no heap pages here).
storageParams: WITH LPAREN identifier (EQ (identifier | INTEGER_LITERAL | STRING | TRUE | FALSE))? (COMMA identifier (EQ (identifier | INTEGER_LITERAL | STRING | TRUE | FALSE))?)* RPAREN;

tableElement: columnDef | tableConstraint;

columnDef: identifier typeName columnConstraint*;

columnConstraint: (CONSTRAINT identifier)? columnConstraintBody;

columnConstraintBody
    : NOT NULL                                             # notNullConstraint
    | NULL                                                 # nullConstraint
    | PRIMARY KEY (ASC | DESC)?                            # pkColumnConstraint
    | UNIQUE                                               # uniqueColumnConstraint
    | DEFAULT bexpr                                        # defaultConstraint
    | CHECK LPAREN expr RPAREN                             # checkColumnConstraint
    | REFERENCES qualifiedName columnList? referentialAction*  # referencesConstraint
    | COLLATE identifier                                   # collateConstraint
    ;

referentialAction: ON (DELETE | UPDATE) (CASCADE | RESTRICT | NO ACTION | SET NULL | SET DEFAULT);

tableConstraint: (CONSTRAINT identifier)? tableConstraintBody;

tableConstraintBody
    : PRIMARY KEY indexColumnList                                              # pkTableConstraint
    | UNIQUE indexColumnList                                                   # uniqueTableConstraint
    | CHECK LPAREN expr RPAREN                                                 # checkTableConstraint
    | FOREIGN KEY columnList REFERENCES qualifiedName columnList? referentialAction*  # fkTableConstraint
    ;

indexColumnList: LPAREN indexColumn (COMMA indexColumn)* RPAREN;
indexColumn: identifier (COLLATE identifier)? (ASC | DESC)? (NULLS (FIRST | LAST))?;

createIndexStmt
    : CREATE UNIQUE? INDEX CONCURRENTLY? (IF NOT EXISTS)? identifier? ON qualifiedName indexColumnList
    ;

createViewStmt: CREATE (OR REPLACE)? (TEMP | TEMPORARY)? VIEW (IF NOT EXISTS)? qualifiedName columnList? AS query;

createSchemaStmt: CREATE SCHEMA (IF NOT EXISTS)? identifier;

dropStmt: DROP (TABLE | INDEX | VIEW | SCHEMA) (IF EXISTS)? qualifiedName (COMMA qualifiedName)* (CASCADE | RESTRICT)?;

alterTableStmt: ALTER TABLE (IF EXISTS)? ONLY? qualifiedName alterAction (COMMA alterAction)*;

alterAction
    : ADD COLUMN? (IF NOT EXISTS)? columnDef                     # addColumn
    | ADD tableConstraint                                        # addConstraint
    | DROP COLUMN? (IF EXISTS)? identifier (CASCADE | RESTRICT)? # dropColumn
    | RENAME COLUMN? identifier TO identifier                    # renameColumn
    | RENAME TO identifier                                       # renameTable
    | ALTER COLUMN? identifier (SET DEFAULT expr | DROP DEFAULT | SET NOT NULL | DROP NOT NULL)  # alterColumn
    ;

transactionStmt
    : (BEGIN | START TRANSACTION) (WORK | TRANSACTION)? (transactionMode (COMMA? transactionMode)*)?  # beginStmt
    | (COMMIT | END) (WORK | TRANSACTION)?                                                   # commitStmt
    | (ROLLBACK | ABORT) (WORK | TRANSACTION)?                                               # rollbackStmt
    | SAVEPOINT identifier                                                                   # savepointStmt
    | RELEASE SAVEPOINT? identifier                                                          # releaseStmt
    | ROLLBACK (WORK | TRANSACTION)? TO SAVEPOINT? identifier                                # rollbackToStmt
    ;

transactionMode
    : ISOLATION LEVEL (SERIALIZABLE | REPEATABLE READ | READ COMMITTED | READ UNCOMMITTED)
    | READ (ONLY | WRITE)
    | NOT? DEFERRABLE
    ;

// ---------- expressions (PostgreSQL precedence, tightest first) ----------
expr
    : primary                                                            # primaryExpr
    | expr DOT identifier (LPAREN (functionArg (COMMA functionArg)*)? RPAREN)?  # plMemberExpr
    | expr TYPECAST typeName                                             # castOpExpr
    | expr COLLATE collationName                                         # collateExpr
    | expr LBRACKET expr (COLON expr)? RBRACKET                          # subscriptExpr
    | op=(PLUS | MINUS | TILDE) expr                                     # unaryExpr
    | <assoc = left> expr CARET expr                                     # powerExpr
    | expr op=(STAR | SLASH | PERCENT) expr                              # mulExpr
    | expr op=(PLUS | MINUS) expr                                        # addExpr
    | expr op=(CONCAT | ARROW | ARROW2 | AMP | BAR | HASH | SHL | SHR | AT_GT | LT_AT) expr  # otherOpExpr
    | expr OPERATOR LPAREN (identifier DOT)? qualifiedOp RPAREN expr     # operatorExpr
    | expr DOTDOT expr                                                   # plRangeExpr
    | expr NOT? CONTAINS expr                                            # plContainsExpr
    | expr NOT? IN LPAREN (query | exprList)? RPAREN                     # inExpr
    | expr NOT? BETWEEN SYMMETRIC? bexpr AND expr                        # betweenExpr
    | expr NOT? (LIKE | ILIKE) bexpr (ESCAPE bexpr)?                     # likeExpr
    | expr NOT? SIMILAR TO expr                                          # similarExpr
    | expr op=(TILDE | NOT_TILDE) expr                                   # regexExpr
    | expr compOp (ANY | SOME | ALL) LPAREN (query | expr) RPAREN        # quantifiedExpr
    | expr compOp expr                                                   # comparisonExpr
    | expr IS NOT? (NULL | TRUE | FALSE)                                 # isExpr
    | expr IS NOT? DISTINCT FROM expr                                    # isDistinctExpr
    | expr (ISNULL | NOTNULL)                                            # isNullPostfix
    | NOT expr                                                           # notExpr
    | expr AND expr                                                      # andExpr
    | expr AMPAMP expr                                                   # plAmpAmpExpr
    | expr OR expr                                                       # orExpr
    | expr PIPE_GT plStage                                               # plPipelineExpr
    | TRY (plBlock | expr) CATCH (plCatchArms | expr)                    # plTryExpr
    | AWAIT ALL? expr                                                    # plAwaitExpr
    ;

// Operands of BETWEEN's lower bound: arithmetic only, so `a BETWEEN b AND c AND d` parses as PostgreSQL does.
bexpr
    : primary                                                            # primaryBexpr
    | bexpr TYPECAST typeName                                            # castOpBexpr
    | op=(PLUS | MINUS) bexpr                                            # unaryBexpr
    | bexpr CARET bexpr                                                  # powerBexpr
    | bexpr op=(STAR | SLASH | PERCENT) bexpr                            # mulBexpr
    | bexpr op=(PLUS | MINUS) bexpr                                      # addBexpr
    | bexpr op=CONCAT bexpr                                              # concatBexpr
    ;

compOp: EQ | NEQ | LT | GT | LTE | GTE | EQEQ;

// `COLLATE "C"`, `COLLATE pg_catalog.default` (psql's catalog queries).
collationName: (identifier DOT)? (identifier | DEFAULT);

// The operator inside OPERATOR(schema.op) (psql writes OPERATOR(pg_catalog.~)).
qualifiedOp: compOp | TILDE | NOT_TILDE | PLUS | MINUS | STAR | SLASH | PERCENT | CONCAT;

exprList: expr (COMMA expr)*;

primary
    : literal                                                            # literalPrimary
    | PARAM                                                              # paramPrimary
    | qualifiedName                                                      # columnPrimary
    | LPAREN query RPAREN                                                # subqueryPrimary
    | EXISTS LPAREN query RPAREN                                         # existsPrimary
    | ARRAY LPAREN query RPAREN                                          # arraySubqueryPrimary
    | ARRAY LBRACKET (expr (COMMA expr)*)? RBRACKET                      # arrayPrimary
    | LPAREN expr (COMMA expr)* RPAREN                                   # parenPrimary
    | ROW LPAREN (expr (COMMA expr)*)? RPAREN                            # rowPrimary
    | CASE expr? (WHEN expr THEN expr)+ (ELSE expr)? END                 # casePrimary
    | CAST LPAREN expr AS typeName RPAREN                                # castPrimary
    | identifier LPAREN identifier FROM expr RPAREN                      # extractPrimary
    | typeName STRING                                                    # typedLiteralPrimary
    | INTERVAL STRING identifier?                                        # intervalPrimary
    | functionCall                                                       # functionPrimary
    | plPrimary                                                          # plPrimaryAlt
    ;

functionCall
    : qualifiedName LPAREN
        ( STAR
        | (DISTINCT | ALL)? (functionArg (COMMA functionArg)*)? orderByClause?
        )
      RPAREN
      (WITHIN GROUP LPAREN orderByClause RPAREN)?
      (FILTER LPAREN WHERE expr RPAREN)?
      (OVER (identifier | LPAREN windowSpec RPAREN))?
    ;

functionArg: (identifier FAT_ARROW)? expr;

windowSpec
    : identifier? (PARTITION BY expr (COMMA expr)*)? orderByClause? frameClause?
    ;

frameClause
    : (ROWS | RANGE | GROUPS) (frameBound | BETWEEN frameBound AND frameBound)
      (EXCLUDE (CURRENT ROW | GROUP | TIES | NO OTHERS))?
    ;

frameBound
    : UNBOUNDED (PRECEDING | FOLLOWING)
    | CURRENT ROW
    | expr (PRECEDING | FOLLOWING)
    ;

literal
    : INTEGER_LITERAL
    | HEX_INTEGER
    | OCT_INTEGER
    | BIN_INTEGER
    | DECIMAL_LITERAL
    | STRING
    | ESCAPE_STRING
    | DOLLAR_STRING
    | BIT_STRING
    | TRUE
    | FALSE
    | NULL
    ;

typeName
    : baseTypeName (LPAREN INTEGER_LITERAL (COMMA INTEGER_LITERAL)? RPAREN)? (LBRACKET INTEGER_LITERAL? RBRACKET)*
    ;

baseTypeName
    : DOUBLE PRECISION
    | CHARACTER VARYING?
    | TIME ((WITH | WITHOUT) TIME ZONE)?
    | (identifier DOT)? identifier ((WITH | WITHOUT) TIME ZONE)?
    | INTERVAL
    ;

qualifiedName: identifier (DOT identifier)*;

identifier: IDENT | QUOTED_IDENT | nonReservedKeyword | plInterpolation;

// Keywords that may still name a column, table or function (PostgreSQL's unreserved list, roughly).
nonReservedKeyword
    : ADD | ALTER | ANALYZE | BEGIN | CASCADE | COMMIT | CONFLICT | COPY | CURRENT | DEALLOCATE | DELETE | DO
    | ESCAPE | EXECUTE | EXPLAIN | FILTER | FIRST | FOLLOWING | FORMAT | HEADER | DELIMITER | CSV | IF | INDEX | INSERT
    | ISOLATION | KEY | LAST | LEVEL | LOCAL | NEXT | NO | NOTHING | NULLS | OF | OVER | PARTITION | PRECEDING
    | PREPARE | RANGE | RECURSIVE | RELEASE | RENAME | REPLACE | RESET | RESTRICT | ROLLBACK | ROWS | SAVEPOINT
    | SCHEMA | SESSION | SHOW | START | STDIN | STDOUT | TEMP | TEMPORARY | TIES | TRANSACTION | UNBOUNDED
    | UPDATE | VALUES | VIEW | WORK | GROUPS | EXCLUDE | OTHERS | ZONE | WITHOUT | VARYING | PRECISION | ABORT
    | DEFERRABLE | READ | WRITE | COMMITTED | REPEATABLE | SERIALIZABLE | UNCOMMITTED | VERBOSE | WITHIN | ACTION
    | SYSTEM | MATERIALIZED | TYPE | ROW | TIME | INTERVAL | CHARACTER | DOUBLE
    | TRUNCATE | VACUUM | RESTART | IDENTITY | DISCARD | OPERATOR
    | LET | MATCH | TRY | CATCH | RAISE | AWAIT | CONTAINS | STRUCT | EXCEPTION | SYNC | ASYNC | CRON | JOB
    | SCHEDULE | FUNCTION | RETURNS | RETURN | TRIGGER | WHILE | BREAK | CONTINUE | IMMUTABLE | FUTURE
    | BEFORE | AFTER | EACH | SQLSTATE | SELF | ORDINALITY
    | TRUNCATE | VACUUM | FREEZE | RESTART | IDENTITY
    ;

// =====================================================================================
// PL-Grizzly (docs/pl-grizzly.md). Everything below belongs to the PL-Grizzly layer
// (sql/pl/parse); the SQL rules above reach it through the alternatives labelled pl*,
// fromFirstCore and plInterpolation in `identifier`.
// =====================================================================================

fromFirstCore
    : fromClause
      (SELECT setQuantifier? selectList)?
      whereClause?
      groupByClause?
      havingClause?
      windowClause?
    ;

plStatement
    : DO plBlock                                                                         # plDoStmt
    | CREATE TYPE identifier AS STRUCT LPAREN plField (COMMA plField)* RPAREN            # plCreateStructStmt
    | CREATE TYPE identifier AS EXCEPTION LPAREN STRING (COMMA plField)* RPAREN (SQLSTATE STRING)?  # plCreateExceptionStmt
    | DROP TYPE (IF EXISTS)? identifier                                                   # plDropTypeStmt
    | CREATE (OR REPLACE)? FUNCTION (LBRACKET identifier RBRACKET)? identifier
      LPAREN (plParam (COMMA plParam)*)? RPAREN RETURNS plType
      (RAISE identifier (COMMA identifier)*)? (AS (SYNC | ASYNC))? IMMUTABLE? plBlock    # plCreateFunctionStmt
    | DROP FUNCTION (IF EXISTS)? (LBRACKET identifier RBRACKET)? identifier               # plDropFunctionStmt
    | CREATE TRIGGER identifier (BEFORE | AFTER) plTriggerEvent (OR plTriggerEvent)* ON qualifiedName
      (FOR EACH? (ROW | identifier))? (WHEN LPAREN expr RPAREN)? plAction                # plCreateTriggerStmt
    | DROP TRIGGER (IF EXISTS)? identifier ON qualifiedName                               # plDropTriggerStmt
    | CREATE CRON JOB identifier SCHEDULE STRING (identifier STRING)?
      (ON identifier identifier identifier?)? plAction                                    # plCreateCronStmt
    | DROP CRON JOB (IF EXISTS)? identifier                                              # plDropCronStmt
    | ALTER CRON JOB identifier identifier identifier?                                    # plAlterCronStmt
    ;

plAction: EXECUTE FUNCTION qualifiedName LPAREN RPAREN | DO? plBlock;
plTriggerEvent: INSERT | UPDATE | DELETE;
plField: identifier COLON plType;
plParam: SELF | identifier COLON plType (EQ expr)?;
plType: (ARRAY | FUTURE) LT plType GT (LBRACKET RBRACKET)* | typeName;

// Items are separated by `;`, which is optional after an item that ends with `}`.
plBlock: LBRACE SEMI* (plBracedItem SEMI* | plItem SEMI+)* plItem? RBRACE;

// Items that end with `}` and need no `;` after them.
plBracedItem
    : WHILE expr plBlock                                             # plWhileItem
    | FOR identifier IN expr plBlock                                 # plForItem
    | plBlock                                                        # plBlockItem
    | TRY plBlock CATCH plCatchArms                                  # plTryItem
    | plPrimary                                                      # plPrimaryItem
    ;

plItem
    : LET identifier (COLON plType)? EQ expr                         # plLetItem
    | SET identifier (DOT identifier)* EQ expr                       # plSetItem
    | RETURN expr?                                                   # plReturnItem
    | RAISE (identifier (LPAREN (plRaiseArg (COMMA plRaiseArg)*)? RPAREN)?)?  # plRaiseItem
    | BREAK                                                          # plBreakItem
    | CONTINUE                                                       # plContinueItem
    | statement                                                      # plSqlItem
    | expr                                                           # plExprItem
    ;

plRaiseArg: (identifier FAT_ARROW)? expr;

plInterpolation: LBRACE identifier (DOT identifier)* RBRACE;

plPrimary
    : plInterpolation                                                            # plInterpPrimary
    | LBRACE plStructField (COMMA plStructField)* COMMA? RBRACE                  # plStructPrimary
    | LBRACKET (expr (COMMA expr)*)? RBRACKET                                    # plArrayPrimary
    | IF expr plBlock (ELSE IF expr plBlock)* (ELSE plBlock)?                    # plIfPrimary
    | MATCH expr LBRACE plArm (COMMA? plArm)* COMMA? RBRACE                      # plMatchPrimary
    ;

plStructField: identifier COLON expr;

plArm: plPattern (BAR plPattern)* (IF expr)? FAT_ARROW plArmBody;
plArmBody: expr | plBlock;

plPattern
    : plPatternLiteral DOTDOT plPatternLiteral                        # plRangePattern
    | plPatternLiteral                                                # plLiteralPattern
    | LBRACE identifier COLON plPattern (COMMA identifier COLON plPattern)* COMMA? RBRACE  # plStructPattern
    | identifier                                                      # plBindPattern
    ;

plPatternLiteral: (PLUS | MINUS)? literal | typeName STRING;

plCatchArms: LBRACE plCatchArm (COMMA? plCatchArm)* COMMA? RBRACE;
plCatchArm
    : (identifier (LPAREN identifier RPAREN)? | SQLSTATE STRING) FAT_ARROW plArmBody
    ;

plStage: (identifier | DISTINCT) LPAREN (plStageArg (COMMA plStageArg)*)? RPAREN;
plStageArg: plLambda | functionArg | ASC | DESC;
plLambda: (identifier | LPAREN identifier (COMMA identifier)* RPAREN) ARROW (plBlock | expr);
