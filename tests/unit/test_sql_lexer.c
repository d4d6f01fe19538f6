// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of xlb-sqlproxy's statement classifier (user/sqlproxy/lexer.h): a table of
 * statements with the route, flags and reason each must get. Every row is also checked with the
 * xlb:primary hint in front (always the primary), upper- and lower-cased (same answer), and cut
 * at every length (any prefix classifies, consistently with the flags' rules).
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "../lib/tap.h"

#define RD SQL_ROUTE_READ
#define WR SQL_ROUTE_WRITE
#define SS SQL_ROUTE_SESSION
#define PIN SQL_F_PIN
#define HINT SQL_F_HINT_PRIMARY
#define MULTI SQL_F_MULTI
#define LAST SQL_F_LAST_SERVER
#define USE SQL_F_USE

struct tcase {
	const char *sql;
	size_t len;
	enum sql_route route;
	unsigned int flags;
	const char *why; /* NULL: any */
};

/* sizeof, not strlen: some rows hold NUL bytes. */
#define C(s, r, f, w)                     \
	{                                 \
		s, sizeof(s) - 1, r, f, w \
	}

static const struct tcase cases[] = {
	/* plain reads */
	C("SELECT 1", RD, 0, "select"),
	C("select 1", RD, 0, "select"),
	C("SeLeCt 1", RD, 0, "select"),
	C("SELECT * FROM t", RD, 0, "select"),
	C("SELECT * FROM t WHERE id = 1", RD, 0, "select"),
	C("SELECT a, b FROM t1 JOIN t2 ON t1.id = t2.id WHERE t1.x > 3 ORDER BY a DESC LIMIT 10",
	  RD, 0, "select"),
	C("SELECT @@server_id", RD, 0, "select"),
	C("SELECT @@version, @@read_only", RD, 0, "select"),
	C("SELECT @@session.sql_mode", RD, 0, "select"),
	C("SELECT @@global.max_connections", RD, 0, "select"),
	C("SELECT NOW(), USER(), DATABASE()", RD, 0, "select"),
	C("SELECT COUNT(*) FROM t GROUP BY a HAVING COUNT(*) > 1", RD, 0, "select"),
	C("SELECT SQL_NO_CACHE * FROM t", RD, 0, "select"),
	C("SELECT HIGH_PRIORITY STRAIGHT_JOIN * FROM t", RD, 0, "select"),
	C("SELECT REPLACE(a, 'x', 'y') FROM t", RD, 0, "select"),
	C("SELECT INSERT('abc', 1, 1, 'z')", RD, 0, "select"),
	C("SELECT IF(a, 1, 2) FROM t", RD, 0, "select"),
	C("SELECT * FROM t WHERE a IN (SELECT b FROM u)", RD, 0, "select"),
	C("SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2020-01-01'", RD, 0, "select"),
	C("SELECT a FROM t WITH ROLLUP", RD, 0, "select"),
	C("SELECT 1 UNION SELECT 2", RD, 0, "select"),
	C("SELECT 1 UNION ALL SELECT 2 UNION DISTINCT SELECT 3", RD, 0, "select"),
	C("SELECT 1 INTERSECT SELECT 1 EXCEPT SELECT 2", RD, 0, "select"),
	C("SELECT 1.5, .5, 1e10, 1E-3, 0x1F, 0b101, x'41', b'1', N'x'", RD, 0, "select"),
	C("SELECT _utf8mb4'abc' COLLATE utf8mb4_bin", RD, 0, "select"),
	C("SELECT a->'$.b', a->>'$.c' FROM t", RD, 0, "select"),
	C("SELECT a <=> b, a != b, a <> b, a || b, a && b FROM t", RD, 0, "select"),
	C("SELECT ?", RD, 0, "select"),
	C("SELECT * FROM t WHERE a = ? AND b = ?", RD, 0, "select"),
	C("SELECT {fn NOW()}", RD, 0, "select"),
	C("SELECT SLEEP(1)", RD, 0, "select"),
	C("SELECT UUID(), RAND()", RD, 0, "select"),
	C("SELECT 1 FROM DUAL", RD, 0, "select"),
	C("SELECT JSON_EXTRACT(doc, '$.a') FROM t", RD, 0, "select"),
	C("SELECT CAST(a AS CHAR) FROM t", RD, 0, "select"),
	C("SELECT t.`for`, `update` FROM t", RD, 0, "select"),
	C("SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) FROM t", RD, 0, "select"),
	C("SELECT LAST_VALUE(a) OVER w FROM t WINDOW w AS (ORDER BY b)", RD, 0, "select"),
	C("SELECT a FROM t PROCEDURE ANALYSE()", RD, 0, "select"),
	C("SELECT MATCH(a) AGAINST ('x' IN BOOLEAN MODE) FROM t", RD, 0, "select"),
	C("SELECT * FROM t1 NATURAL JOIN t2 USING (id)", RD, 0, "select"),
	C("SELECT 1 -- trailing comment", RD, 0, "select"),
	C("SELECT 1 # trailing comment", RD, 0, "select"),
	C("SELECT 1 /* trailing comment */", RD, 0, "select"),
	C("SELECT/**/1", RD, 0, "select"),
	C("SELECT\t1\r\n", RD, 0, "select"),
	C("\n\n  SELECT 1", RD, 0, "select"),
	C("\v\fSELECT 1", RD, 0, "select"),

	/* comment tricks */
	C("SELECT 1 /* FOR UPDATE */", RD, 0, "select"),
	C("SELECT 1 -- FOR UPDATE", RD, 0, "select"),
	C("SELECT 1 # FOR UPDATE", RD, 0, "select"),
	C("SELECT 1 -- FOR UPDATE\n", RD, 0, "select"),
	C("SELECT 1 -- x\nFOR UPDATE", WR, 0, "locking read"),
	C("SELECT 1 # x\nFOR UPDATE", WR, 0, "locking read"),
	C("SELECT 1 /* x */ FOR UPDATE", WR, 0, "locking read"),
	C("SELECT 1 FOR /* x */ UPDATE", WR, 0, "locking read"),
	C("SELECT 1 FOR -- x\n UPDATE", WR, 0, "locking read"),
	C("-- x\nINSERT INTO t VALUES (1)", WR, 0, "write"),
	C("# x\nINSERT INTO t VALUES (1)", WR, 0, "write"),
	C("#c\nSELECT 1", RD, 0, "select"),
	C("/* c */ SELECT 1", RD, 0, "select"),
	C("/* c */ DELETE FROM t", WR, 0, "write"),
	C("/* SELECT */ DELETE FROM t", WR, 0, "write"),
	C("-- SELECT\nDELETE FROM t", WR, 0, "write"),
	C("/* DELETE */ SELECT 1", RD, 0, "select"),
	C("-- DELETE\nSELECT 1", RD, 0, "select"),
	C("--\tDELETE\nSELECT 1", RD, 0, "select"),
	C("--\nSELECT 1", RD, 0, "select"),
	C("--\rDELETE\nSELECT 1", RD, 0, "select"),
	C("SELECT 1 --", RD, 0, "select"),
	C("SELECT 1 --x", RD, 0, "select"), /* minus minus x */
	C("SELECT --1", RD, 0, "select"),   /* minus minus one */
	C("SELECT 1 --x\nFROM t", RD, 0, "select"),
	C("SELECT 1 --x FOR UPDATE", WR, 0, "locking read"),
	C("--x\nSELECT 1", WR, 0, "unknown"),
	C("SELECT 1 --x\n; DELETE FROM t", WR, MULTI, "multi-statement"),
	C("SELECT 1 /* ; DELETE FROM t */", RD, 0, "select"),
	C("SELECT 1 -- ; DELETE FROM t", RD, 0, "select"),
	C("SELECT 1 # ; DELETE FROM t", RD, 0, "select"),
	C("SELECT 1 /* unterminated", RD, 0, "select"),
	C("SELECT 1 /* unterminated ; DELETE FROM t", RD, 0, "select"),
	C("/* unterminated SELECT 1", WR, 0, "empty"),
	C("/* a */ /* b */ -- c\n # d\n SELECT 1", RD, 0, "select"),
	C("/*/ SELECT 1 */ DELETE FROM t", WR, 0, "write"),
	C("/**/SELECT 1", RD, 0, "select"),
	C("/* /* nested? */ SELECT 1", RD, 0, "select"),
	C("/* /* nested? */ DELETE FROM t */", WR, 0, "write"),
	C("SELECT 1 */", RD, 0, "select"),
	C("SELECT 2 */ 1", RD, 0, "select"),
	C("SELECT 4/2", RD, 0, "select"),
	C("SELECT 4 - -2", RD, 0, "select"),
	C("SELECT a FROM t WHERE b = 1#\nFOR UPDATE", WR, 0, "locking read"),
	C("/*+ MAX_EXECUTION_TIME(1000) */ SELECT 1", RD, 0, "select"),
	C("SELECT /*+ BKA(t1) */ * FROM t1", RD, 0, "select"),

	/* quoting */
	C("SELECT '; DELETE FROM t'", RD, 0, "select"),
	C("SELECT \"; DELETE FROM t\"", RD, 0, "select"),
	C("SELECT 'FOR UPDATE'", RD, 0, "select"),
	C("SELECT \"FOR UPDATE\"", RD, 0, "select"),
	C("SELECT `into` FROM t", RD, 0, "select"),
	C("SELECT `for` FROM t", RD, 0, "select"),
	C("SELECT `lock` FROM t", RD, 0, "select"),
	C("SELECT a AS `x;y` FROM t", RD, 0, "select"),
	C("SELECT 'it''s'", RD, 0, "select"),
	C("SELECT \"say \"\"hi\"\"\"", RD, 0, "select"),
	C("SELECT `a``b` FROM t", RD, 0, "select"),
	C("SELECT 'a'';DELETE FROM t;'", RD, 0, "select"),
	C("SELECT 'a''' ; DELETE FROM t", WR, MULTI, "multi-statement"),
	C("SELECT '/* x */ FOR UPDATE'", RD, 0, "select"),
	C("SELECT '-- '; DELETE FROM t", WR, MULTI, "multi-statement"),
	C("SELECT '#'; DELETE FROM t", WR, MULTI, "multi-statement"),
	C("SELECT '/*'; DELETE FROM t; -- */", WR, MULTI, "multi-statement"),
	C("SELECT `/*` FROM t", RD, 0, "select"),
	C("SELECT 'unterminated", RD, 0, "select"),
	C("SELECT 'unterminated ; DELETE FROM t", RD, 0, "select"),
	C("SELECT \"unterminated", RD, 0, "select"),
	C("SELECT `unterminated", RD, 0, "select"),
	C("SELECT 'a' 'b' \"c\"", RD, 0, "select"),
	C("SELECT 'get_lock(1)'", RD, 0, "select"),
	C("SELECT 'last_insert_id()'", RD, 0, "select"),
	C("SELECT '@x := 1'", RD, 0, "select"),
	C("SELECT 'xlb:primary'", RD, 0, "select"),
	C("SELECT \"/* xlb:primary */\"", RD, 0, "select"),
	C("SELECT `xlb:primary` FROM t", RD, 0, "select"),
	C("'SELECT 1'", WR, 0, "unknown"),
	C("`select` 1", WR, 0, "unknown"),
	C("\"SELECT\" 1", WR, 0, "unknown"),

	/* backslashes: the server may take them as escapes (the default) or not */
	C("SELECT 'a\\'b'", RD, 0, "select"),
	C("SELECT 'a\\\\'", RD, 0, "select"),
	C("SELECT 'a\\nb'", RD, 0, "select"),
	C("SELECT 'C:\\\\temp'", RD, 0, "select"),
	C("SELECT '\\'; DELETE FROM t; -- '", WR, MULTI, "multi-statement"),
	C("SELECT 'a\\'; DELETE FROM t; SELECT \\'b'", WR, MULTI, "multi-statement"),
	C("SELECT \"\\\" , '\\\\' ; DELETE FROM t; -- \"", WR, MULTI, "multi-statement"),
	C("SELECT '\\\\' FOR UPDATE", WR, 0, "locking read"),
	C("SELECT 'a\\' FOR UPDATE '", WR, 0, "locking read"),
	C("SELECT `a\\` FROM t", RD, 0, "select"),

	/* executable comments */
	C("/*!40101 SET NAMES utf8 */", SS, 0, "session state"),
	C("/*!40101 SET NAMES utf8 */;", SS, 0, "session state"),
	C("/*!40101 SET character_set_client = utf8 */;", SS, 0, "session state"),
	C("/*!40103 SET TIME_ZONE='+00:00' */;", SS, 0, "session state"),
	C("/*!40014 SET UNIQUE_CHECKS=0 */;", SS, 0, "session state"),
	C("/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;", WR, PIN,
	  "user variable"),
	C("/*!40000 ALTER TABLE `t` DISABLE KEYS */;", WR, 0, "write"),
	C("/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50001 VIEW v AS SELECT 1 */", WR, 0, "write"),
	C("/*!50003 CREATE*/ /*!50020 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER tr BEFORE "
	  "INSERT ON t FOR EACH ROW SET NEW.a = 1 */",
	  WR, 0, "write"),
	C("/*!SELECT*/ 1", RD, 0, "select"),
	C("/*!SELECT 1*/", RD, 0, "select"),
	C("/*! SELECT 1 */", RD, 0, "select"),
	C("/*!DELETE FROM t*/", WR, 0, "write"),
	C("/*!1234 SELECT 1*/", WR, 0, "unknown"), /* not a version: "1234 SELECT 1" */
	C("SELECT /*!40001 SQL_NO_CACHE */ * FROM t", RD, 0, "select"),
	C("SELECT 1 /*!FOR UPDATE*/", WR, 0, "locking read"),
	C("SELECT 1 /*!40000 FOR UPDATE*/", WR, 0, "locking read"),
	C("SELECT 1 /*!FOR*/ /*!UPDATE*/", WR, 0, "locking read"),
	C("SELECT 1 /*!*/ FOR UPDATE", WR, 0, "locking read"),
	C("SELECT 1 /*!40000 */; DELETE FROM t", WR, MULTI, "multi-statement"),
	C("SELECT 1 /*!; DELETE FROM t*/", WR, MULTI, "multi-statement"),
	C("/*!SELECT 1 /* inner */ FROM t*/", RD, 0, "select"),
	C("/*!SELECT 1 -- eats the end */ FOR UPDATE\n*/", RD, 0, "select"),
	C("/*!SELECT 1 '*/' */", RD, 0, "select"),
	C("/*!SELECT 1 */ */", RD, 0, "select"), /* the second star-slash: two operators */
	C("/*!SELECT 1", RD, 0, "select"),	 /* unterminated: the server refuses it */
	/* versioned: MariaDB skips 50700..99999, MySQL may run them; 6 digits depend on the server
	 */
	C("/*!80000 SET NAMES utf8mb4 */", SS, 0, "session state"),
	C("/*!99999 SELECT 1 */", RD, 0, "select"), /* skipped, it is empty */
	C("SELECT 1 /*!99999 FOR UPDATE */", WR, 0, "locking read"),
	C("SELECT 1 /*!50700 , 2 */", RD, 0, "select"),
	C("SELECT /*!80000 SQL_NO_CACHE */ 1", RD, 0, "select"),
	C("/*!99999 SELECT 1 FROM t WHERE 0 OR */ DELETE FROM t", WR, 0, "write"),
	C("/*!99999 SELECT 1, */ DELETE FROM t", WR, 0, "write"),
	C("SELECT /*!99999 ' */ 1; DELETE FROM t; -- ' */", WR, MULTI, "multi-statement"),
	C("SELECT 1 /*!99999 /* */ ; DELETE FROM t; /* */", WR, MULTI, "multi-statement"),
	C("/*M!100101 SET NOTE_VERBOSITY=1 */", SS, 0, "session state"),
	C("/*M!SELECT 1*/", RD, 0, "select"),
	C("/*M!999999\\- enable the sandbox mode */", WR, 0, "unknown"),
	C("/*!100101 SELECT 1 */", RD, 0, "select"),
	C("/*!1001011 SELECT 1 */", WR, 0, "unknown"),	   /* 6-digit version, then "1 SELECT 1" */
	C("/*m!SELECT 1*/ DELETE FROM t", WR, 0, "write"), /* lower-case m: a plain comment */
	C("/*!40101 SET NAMES utf8 */; /*!40101 SET SQL_MODE='' */;", WR, MULTI | PIN,
	  "session state on the primary"),

	/* hints */
	C("/* xlb:primary */ SELECT 1", WR, HINT, "hint"),
	C("SELECT 1 /* xlb:primary */", WR, HINT, "hint"),
	C("SELECT /*xlb:primary*/ 1", WR, HINT, "hint"),
	C("SELECT 1 -- xlb:primary", WR, HINT, "hint"),
	C("SELECT 1 # xlb:primary", WR, HINT, "hint"),
	C("/* route: xlb:primary please */ SELECT 1", WR, HINT, "hint"),
	C("/* XLB:PRIMARY */ SELECT 1", WR, HINT, "hint"),
	C("/* xlb:primary */ SHOW TABLES", WR, HINT, "hint"),
	C("/* xlb:primary */ SHOW WARNINGS", WR, HINT, "hint"),
	C("/* xlb:primary */ INSERT INTO t VALUES (1)", WR, HINT, "hint"),
	C("/* xlb:primary */ USE db", WR, HINT | PIN, "session state on the primary"),
	C("/* xlb:primary */ SET NAMES utf8", WR, HINT | PIN, "session state on the primary"),
	C("/* xlb:primary */", WR, HINT, "hint"),
	C("SELECT 1; /* xlb:primary */", WR, HINT, "hint"),
	C("/* xlb:replica */ SELECT 1", RD, 0, "select"),
	C("/* xlb: primary */ SELECT 1", RD, 0, "select"),
	C("/* xlb:prim */ SELECT 1", RD, 0, "select"),
	C("/*!99999 xlb:primary */ SELECT 1", WR, HINT, "hint"),

	/* locking reads and SELECT INTO */
	C("SELECT * FROM t FOR UPDATE", WR, 0, "locking read"),
	C("select * from t for update", WR, 0, "locking read"),
	C("SELECT * FROM t FOR UPDATE NOWAIT", WR, 0, "locking read"),
	C("SELECT * FROM t FOR UPDATE SKIP LOCKED", WR, 0, "locking read"),
	C("SELECT * FROM t FOR UPDATE WAIT 5", WR, 0, "locking read"),
	C("SELECT * FROM t FOR SHARE", WR, 0, "locking read"),
	C("SELECT * FROM t LOCK IN SHARE MODE", WR, 0, "locking read"),
	C("SELECT * FROM t WHERE a IN (SELECT b FROM u FOR UPDATE)", WR, 0, "locking read"),
	C("SELECT * FROM (SELECT * FROM t FOR UPDATE) x", WR, 0, "locking read"),
	C("SELECT 1.FOR UPDATE", WR, 0, "locking read"),
	C("SELECT 1e5FOR UPDATE", WR, 0, "locking read"),
	C("SELECT * FROM t INTO OUTFILE '/tmp/x'", WR, 0, "SELECT INTO"),
	C("SELECT * FROM t INTO DUMPFILE '/tmp/x'", WR, 0, "SELECT INTO"),
	C("SELECT a INTO @x FROM t", WR, PIN, "user variable"),
	C("SELECT a, b INTO @x, @y FROM t", WR, PIN, "user variable"),
	C("SELECT a, b INTO v, @y FROM t", WR, PIN, "user variable"),
	C("SELECT a INTO v FROM t", WR, 0, "SELECT INTO"),
	C("SELECT a FROM t INTO @x", WR, PIN, "user variable"),
	C("SELECT a FROM t LIMIT 1 INTO @`x`", WR, PIN, "user variable"),

	/* user variables */
	C("SELECT @x", RD, 0, "select"),
	C("SELECT @x, @`y`, @'z', @\"w\"", RD, 0, "select"),
	C("SELECT @x = 1", RD, 0, "select"),
	C("SELECT * FROM t WHERE a = @x", RD, 0, "select"),
	C("SELECT @x := 1", WR, PIN, "user variable"),
	C("SELECT @x:=1", WR, PIN, "user variable"),
	C("SELECT @`x` := 1", WR, PIN, "user variable"),
	C("SELECT @a.b := 1", WR, PIN, "user variable"),
	C("SELECT a, @n := @n + 1 FROM t", WR, PIN, "user variable"),
	C("SELECT * FROM t WHERE (@x := a) > 1", WR, PIN, "user variable"),
	C("SELECT @x : = 1", RD, 0, "select"),
	C("set @a=1", WR, PIN, "user variable"),
	C("SET @a = 1", WR, PIN, "user variable"),
	C("SET @a := 1", WR, PIN, "user variable"),
	C("SET @`a` = 1", WR, PIN, "user variable"),
	C("SET @'a' = 1", WR, PIN, "user variable"),
	C("SET a = 1, @x = 2", WR, PIN, "user variable"),
	C("SET @x = 1, NAMES utf8", WR, PIN, "user variable"),
	C("SET sql_mode = (SELECT @x := 1)", WR, PIN, "user variable"),
	C("SET sql_mode = @x", SS, 0, "session state"),
	C("INSERT INTO t VALUES (@x := 1)", WR, PIN, "user variable"),
	C("INSERT INTO t VALUES (@x)", WR, 0, "write"),
	C("UPDATE t SET a = @x", WR, 0, "write"),
	C("CALL p(@out)", WR, PIN, "user variable"),
	C("CALL p(1, 2)", WR, 0, "write"),
	C("CALL p", WR, 0, "write"),
	C("LOAD DATA INFILE 'f' INTO TABLE t (@a) SET c = @a", WR, PIN, "user variable"),
	C("LOAD DATA LOCAL INFILE 'f' INTO TABLE t", WR, 0, "write"),
	C("GET DIAGNOSTICS @n = NUMBER", WR, PIN, "user variable"),
	C("EXECUTE s USING @x", WR, 0, "write"),
	C("SELECT @", RD, 0, "select"),
	C("SELECT @ x", RD, 0, "select"),

	/* lock and identity functions */
	C("select get_lock('a',1)", WR, PIN, "GET_LOCK"),
	C("SELECT GET_LOCK('a', 10)", WR, PIN, "GET_LOCK"),
	C("SELECT get_lock ('a', 10)", WR, PIN, "GET_LOCK"),
	C("SELECT get_lock/* x */('a', 10)", WR, PIN, "GET_LOCK"),
	C("SELECT `get_lock`('a', 10)", WR, PIN, "GET_LOCK"),
	C("SELECT \"get_lock\"('a', 10)", WR, PIN, "GET_LOCK"),
	C("SELECT db.get_lock('a', 10)", WR, PIN, "GET_LOCK"),
	C("SELECT 1 FROM t WHERE GET_LOCK('a', 0) = 1", WR, PIN, "GET_LOCK"),
	C("SELECT (SELECT get_lock('a', 1))", WR, PIN, "GET_LOCK"),
	C("DO GET_LOCK('a', 1)", WR, PIN, "GET_LOCK"),
	C("SELECT get_lock FROM t", RD, 0, "select"),
	C("SELECT get_lock, last_insert_id FROM t", RD, 0, "select"),
	C("SELECT t.get_lock FROM t", RD, 0, "select"),
	C("SELECT 'get_lock'", RD, 0, "select"),
	C("SELECT get_locks('a')", RD, 0, "select"),
	C("SELECT RELEASE_LOCK('a')", WR, 0, "lock function"),
	C("SELECT RELEASE_ALL_LOCKS()", WR, 0, "lock function"),
	C("SELECT IS_FREE_LOCK('a')", WR, 0, "lock function"),
	C("SELECT IS_USED_LOCK('a')", WR, 0, "lock function"),
	C("DO RELEASE_LOCK('a')", WR, 0, "write"),
	C("SELECT last_insert_id()", WR, 0, "identity function"),
	C("SELECT LAST_INSERT_ID()", WR, 0, "identity function"),
	C("SELECT * FROM t WHERE id = LAST_INSERT_ID()", WR, 0, "identity function"),
	C("SELECT FOUND_ROWS()", WR, 0, "identity function"),
	C("SELECT ROW_COUNT()", WR, 0, "identity function"),
	C("SELECT CONNECTION_ID()", WR, 0, "identity function"),
	C("SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 10", WR, 0, "found rows"),
	C("SELECT nextval(s)", WR, 0, "sequence"),
	C("SELECT NEXTVAL(s)", WR, 0, "sequence"),
	C("SELECT lastval(s)", WR, 0, "sequence"),
	C("SELECT SETVAL(s, 10)", WR, 0, "sequence"),
	C("SELECT NEXT VALUE FOR s", WR, 0, "sequence"),
	C("select next value for s", WR, 0, "sequence"),
	C("SELECT PREVIOUS VALUE FOR s", WR, 0, "sequence"),
	C("SELECT s.nextval", WR, 0, "sequence"),
	C("SELECT s.currval", WR, 0, "sequence"),
	C("SELECT next, value FROM t", RD, 0, "select"),
	C("SELECT MASTER_POS_WAIT('f', 4)", WR, 0, "replication function"),
	C("SELECT MASTER_GTID_WAIT('0-1-1', 1)", WR, 0, "replication function"),
	C("SELECT SOURCE_POS_WAIT('f', 4)", WR, 0, "replication function"),
	C("SELECT WAIT_FOR_EXECUTED_GTID_SET('x')", WR, 0, "replication function"),
	C("SELECT BINLOG_GTID_POS('f', 4)", WR, 0, "replication function"),
	C("SELECT @@last_insert_id", WR, 0, "identity variable"),
	C("SELECT @@LAST_INSERT_ID", WR, 0, "identity variable"),
	C("SELECT @@identity", WR, 0, "identity variable"),
	C("SELECT @@last_gtid", WR, 0, "identity variable"),
	C("SELECT @@insert_id", WR, 0, "identity variable"),
	C("SELECT @@session.last_insert_id", WR, 0, "identity variable"),
	C("SELECT @@SESSION.identity", WR, 0, "identity variable"),
	C("SELECT @@`last_insert_id`", WR, 0, "identity variable"),
	C("SELECT @@session.`last_gtid`", WR, 0, "identity variable"),
	C("SELECT @@identity_x", RD, 0, "select"),
	C("SELECT @identity", RD, 0, "select"),
	C("SELECT last_insert_id FROM t", RD, 0, "select"),

	/* where the previous statement ran */
	C("SHOW WARNINGS", RD, LAST, "warnings"),
	C("show warnings", RD, LAST, "warnings"),
	C("SHOW WARNINGS LIMIT 10", RD, LAST, "warnings"),
	C("SHOW ERRORS", RD, LAST, "warnings"),
	C("SHOW COUNT(*) WARNINGS", RD, LAST, "warnings"),
	C("SHOW COUNT(*) ERRORS", RD, LAST, "warnings"),
	C("SHOW PROFILES", RD, LAST, "warnings"),
	C("SHOW PROFILE FOR QUERY 1", RD, LAST, "warnings"),
	C("SELECT @@warning_count", RD, LAST, "select"),
	C("SELECT @@error_count", RD, LAST, "select"),
	C("SELECT @@session.warning_count", RD, LAST, "select"),
	C("SELECT @@warning_count, @@error_count", RD, LAST, "select"),
	C("SELECT @@warning_count, LAST_INSERT_ID()", WR, 0, "identity function"),
	C("SELECT @warning_count", RD, 0, "select"),

	/* SHOW, DESCRIBE, EXPLAIN, HELP */
	C("SHOW TABLES", RD, 0, "show"),
	C("show databases", RD, 0, "show"),
	C("SHOW FULL TABLES FROM db LIKE 'a%'", RD, 0, "show"),
	C("SHOW CREATE TABLE t", RD, 0, "show"),
	C("SHOW COLUMNS FROM t", RD, 0, "show"),
	C("SHOW INDEX FROM t", RD, 0, "show"),
	C("SHOW VARIABLES LIKE 'read_only'", RD, 0, "show"),
	C("SHOW GLOBAL STATUS", RD, 0, "show"),
	C("SHOW SESSION VARIABLES", RD, 0, "show"),
	C("SHOW PROCESSLIST", RD, 0, "show"),
	C("SHOW FULL PROCESSLIST", RD, 0, "show"),
	C("SHOW GRANTS FOR CURRENT_USER()", RD, 0, "show"),
	C("SHOW SLAVE STATUS", RD, 0, "show"),
	C("SHOW REPLICA STATUS", RD, 0, "show"),
	C("SHOW ENGINE INNODB STATUS", RD, 0, "show"),
	C("SHOW TABLE STATUS", RD, 0, "show"),
	C("SHOW TABLES WHERE GET_LOCK('a', 1)", WR, PIN, "GET_LOCK"),
	C("SHOW MASTER STATUS", WR, 0, "primary status"),
	C("show master status", WR, 0, "primary status"),
	C("SHOW BINLOG STATUS", WR, 0, "primary status"),
	C("SHOW BINARY LOGS", WR, 0, "primary status"),
	C("SHOW BINARY LOG STATUS", WR, 0, "primary status"),
	C("SHOW MASTER LOGS", WR, 0, "primary status"),
	C("SHOW BINLOG EVENTS", WR, 0, "primary status"),
	C("SHOW SLAVE HOSTS", WR, 0, "primary status"),
	C("SHOW REPLICAS", WR, 0, "primary status"),
	C("SHOW /* c */ MASTER /* c */ STATUS", WR, 0, "primary status"),
	C("SHOW `master` STATUS", RD, 0, "show"),
	C("SHOW", RD, 0, "show"),
	C("DESCRIBE t", RD, 0, "describe"),
	C("DESC t", RD, 0, "describe"),
	C("desc `t`", RD, 0, "describe"),
	C("DESCRIBE db.t col", RD, 0, "describe"),
	C("EXPLAIN t", RD, 0, "describe"),
	C("EXPLAIN SELECT * FROM t", RD, 0, "select"),
	C("explain select 1", RD, 0, "select"),
	C("EXPLAIN EXTENDED SELECT 1", RD, 0, "select"),
	C("EXPLAIN PARTITIONS SELECT 1", RD, 0, "select"),
	C("EXPLAIN FORMAT=JSON SELECT 1", RD, 0, "select"),
	C("EXPLAIN FORMAT = 'JSON' SELECT 1", RD, 0, "select"),
	C("EXPLAIN ANALYZE SELECT 1", RD, 0, "select"),
	C("EXPLAIN (SELECT 1) UNION (SELECT 2)", RD, 0, "select"),
	C("EXPLAIN WITH c AS (SELECT 1) SELECT * FROM c", RD, 0, "select"),
	C("DESCRIBE SELECT 1", RD, 0, "select"),
	C("EXPLAIN SELECT * FROM t FOR UPDATE", WR, 0, "locking read"),
	C("EXPLAIN UPDATE t SET a = 1", WR, 0, "explain write"),
	C("EXPLAIN DELETE FROM t", WR, 0, "explain write"),
	C("EXPLAIN INSERT INTO t VALUES (1)", WR, 0, "explain write"),
	C("EXPLAIN REPLACE INTO t VALUES (1)", WR, 0, "explain write"),
	C("EXPLAIN FORMAT=JSON DELETE FROM t", WR, 0, "explain write"),
	C("EXPLAIN FOR CONNECTION 4", WR, 0, "unknown"),
	C("EXPLAIN", WR, 0, "unknown"),
	C("ANALYZE SELECT * FROM t", RD, 0, "select"),
	C("ANALYZE FORMAT=JSON SELECT 1", RD, 0, "select"),
	C("ANALYZE UPDATE t SET a = 1", WR, 0, "write"),
	C("ANALYZE DELETE FROM t", WR, 0, "write"),
	C("ANALYZE TABLE t", WR, 0, "write"),
	C("ANALYZE NO_WRITE_TO_BINLOG TABLE t", WR, 0, "write"),
	C("HELP 'contents'", RD, 0, "help"),
	C("help select", RD, 0, "help"),

	/* CTEs, parentheses, VALUES, TABLE */
	C("WITH c AS (SELECT 1) SELECT * FROM c", RD, 0, "select"),
	C("with c as (select 1) select * from c", RD, 0, "select"),
	C("WITH RECURSIVE c (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5) "
	  "SELECT * FROM c",
	  RD, 0, "select"),
	C("WITH a AS (SELECT 1), b AS (SELECT 2) SELECT * FROM a, b", RD, 0, "select"),
	C("WITH c AS (SELECT 1) (SELECT * FROM c)", RD, 0, "select"),
	C("WITH c AS (SELECT 1) TABLE c", RD, 0, "select"),
	C("WITH c AS (SELECT 1) VALUES (1)", RD, 0, "select"),
	C("WITH c(a) AS (SELECT 1) CYCLE a RESTRICT SELECT * FROM c", RD, 0, "select"),
	C("WITH c AS (SELECT * FROM t FOR UPDATE) SELECT * FROM c", WR, 0, "locking read"),
	C("WITH c AS (SELECT get_lock('a', 1)) SELECT * FROM c", WR, PIN, "GET_LOCK"),
	C("WITH c AS (SELECT 1) UPDATE t SET a = 1", WR, 0, "write"),
	C("WITH c AS (SELECT 1) DELETE FROM t", WR, 0, "write"),
	C("WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c", WR, 0, "write"),
	C("WITH c AS (SELECT 1)", WR, 0, "unknown"),
	C("WITH", WR, 0, "unknown"),
	C("WITH c AS (DELETE FROM t) SELECT 1", RD, 0, "select"), /* not valid SQL anyway */
	C("(SELECT 1)", RD, 0, "select"),
	C("(SELECT 1) UNION (SELECT 2)", RD, 0, "select"),
	C("((SELECT 1)) UNION ((SELECT 2))", RD, 0, "select"),
	C("  ( ( SELECT 1 ) )", RD, 0, "select"),
	C("(SELECT 1) UNION (SELECT 2 FOR UPDATE)", WR, 0, "locking read"),
	C("(WITH c AS (SELECT 1) SELECT * FROM c)", RD, 0, "select"),
	C("(VALUES (1))", RD, 0, "select"),
	C("(DELETE FROM t)", WR, 0, "unknown"),
	C("(SET @x = 1)", WR, 0, "unknown"),
	C("(", WR, 0, "unknown"),
	C("()", WR, 0, "unknown"),
	C("VALUES (1), (2)", RD, 0, "select"),
	C("VALUES (1) UNION SELECT 2", RD, 0, "select"),
	C("TABLE t", RD, 0, "select"),
	C("TABLE t ORDER BY a LIMIT 1", RD, 0, "select"),

	/* writes */
	C("INSERT INTO t VALUES (1)", WR, 0, "write"),
	C("insert into t values (1)", WR, 0, "write"),
	C("INSERT INTO t SELECT * FROM u", WR, 0, "write"),
	C("INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = 2", WR, 0, "write"),
	C("INSERT IGNORE INTO t VALUES (1)", WR, 0, "write"),
	C("REPLACE INTO t VALUES (1)", WR, 0, "write"),
	C("UPDATE t SET a = 1 WHERE b = 2", WR, 0, "write"),
	C("DELETE FROM t WHERE a = 1", WR, 0, "write"),
	C("DELETE FROM t RETURNING *", WR, 0, "write"),
	C("TRUNCATE t", WR, 0, "write"),
	C("CREATE TABLE t (a INT)", WR, 0, "write"),
	C("CREATE TABLE t AS SELECT 1", WR, 0, "write"),
	C("CREATE DATABASE db", WR, 0, "write"),
	C("CREATE INDEX i ON t (a)", WR, 0, "write"),
	C("CREATE OR REPLACE VIEW v AS SELECT 1", WR, 0, "write"),
	C("CREATE PROCEDURE p() SELECT 1", WR, 0, "write"),
	C("ALTER TABLE t ADD COLUMN b INT", WR, 0, "write"),
	C("DROP TABLE t", WR, 0, "write"),
	C("DROP TEMPORARY TABLE t", WR, 0, "write"),
	C("RENAME TABLE a TO b", WR, 0, "write"),
	C("CALL p()", WR, 0, "write"),
	C("DO 1", WR, 0, "write"),
	C("DO SLEEP(1)", WR, 0, "write"),
	C("LOAD DATA INFILE 'f' INTO TABLE t", WR, 0, "write"),
	C("LOAD XML INFILE 'f' INTO TABLE t", WR, 0, "write"),
	C("FLUSH TABLES", WR, 0, "write"),
	C("FLUSH PRIVILEGES", WR, 0, "write"),
	C("GRANT SELECT ON *.* TO 'u'@'h'", WR, 0, "write"),
	C("REVOKE ALL ON db.* FROM u@h", WR, 0, "write"),
	C("CREATE USER 'u'@'%' IDENTIFIED BY 'p'", WR, 0, "write"),
	C("KILL 42", WR, 0, "write"),
	C("KILL QUERY 42", WR, 0, "write"),
	C("OPTIMIZE TABLE t", WR, 0, "write"),
	C("CHECK TABLE t", WR, 0, "write"),
	C("CHECKSUM TABLE t", WR, 0, "write"),
	C("REPAIR TABLE t", WR, 0, "write"),
	C("HANDLER t OPEN", WR, 0, "write"),
	C("HANDLER t READ FIRST", WR, 0, "write"),
	C("UNLOCK TABLES", WR, 0, "write"),
	C("EXECUTE s", WR, 0, "write"),
	C("DEALLOCATE PREPARE s", WR, 0, "write"),
	C("DROP PREPARE s", WR, 0, "write"),
	C("INSTALL PLUGIN p SONAME 'p.so'", WR, 0, "write"),
	C("SHUTDOWN", WR, 0, "write"),
	C("RESET MASTER", WR, 0, "write"),
	C("STOP SLAVE", WR, 0, "write"),
	C("CHANGE MASTER TO MASTER_HOST='h'", WR, 0, "write"),
	C("PURGE BINARY LOGS TO 'f'", WR, 0, "write"),
	C("BINLOG 'abc'", WR, 0, "write"),
	C("BACKUP STAGE START", WR, 0, "write"),
	C("LOCK INSTANCE FOR BACKUP", WR, 0, "write"),
	C("SIGNAL SQLSTATE '45000'", WR, 0, "write"),
	C("SELECTX 1", WR, 0, "write"),
	C("SELEC 1", WR, 0, "write"),
	C("frobnicate the database", WR, 0, "write"),
	C("1", WR, 0, "unknown"),
	C("@x", WR, 0, "unknown"),
	C("*", WR, 0, "unknown"),
	C("\\G", WR, 0, "unknown"),

	/* transactions */
	C("BEGIN", WR, 0, "transaction"),
	C("begin work", WR, 0, "transaction"),
	C("START TRANSACTION", WR, 0, "transaction"),
	C("START TRANSACTION READ ONLY", WR, 0, "transaction"),
	C("START TRANSACTION WITH CONSISTENT SNAPSHOT", WR, 0, "transaction"),
	C("COMMIT", WR, 0, "transaction"),
	C("COMMIT WORK", WR, 0, "transaction"),
	C("ROLLBACK", WR, 0, "transaction"),
	C("ROLLBACK TO SAVEPOINT s", WR, 0, "transaction"),
	C("SAVEPOINT s", WR, 0, "transaction"),
	C("RELEASE SAVEPOINT s", WR, 0, "transaction"),
	C("XA START 'x'", WR, 0, "transaction"),
	C("XA COMMIT 'x'", WR, 0, "transaction"),
	C("BEGIN NOT ATOMIC SELECT 1; END", WR, MULTI, "multi-statement"),

	/* pinning */
	C("CREATE TEMPORARY TABLE t (a INT)", WR, PIN, "temporary table"),
	C("create temporary table t (a int)", WR, PIN, "temporary table"),
	C("CREATE TEMPORARY TABLE IF NOT EXISTS t AS SELECT 1", WR, PIN, "temporary table"),
	C("CREATE OR REPLACE TEMPORARY TABLE t (a INT)", WR, PIN, "temporary table"),
	C("CREATE /* c */ TEMPORARY TABLE t (a INT)", WR, PIN, "temporary table"),
	C("/*!40000 CREATE TEMPORARY TABLE t (a INT) */", WR, PIN, "temporary table"),
	C("CREATE TEMPORARY SEQUENCE s", WR, PIN, "temporary table"),
	C("CREATE TABLE temporary_t (a INT)", WR, 0, "write"),
	C("LOCK TABLES t WRITE", WR, PIN, "LOCK TABLES"),
	C("LOCK TABLE t READ", WR, PIN, "LOCK TABLES"),
	C("lock tables t read, u write", WR, PIN, "LOCK TABLES"),
	C("PREPARE s FROM 'SELECT 1'", WR, PIN, "PREPARE"),
	C("prepare s from @sql", WR, PIN, "PREPARE"),
	C("PREPARE s FROM 'SELECT 1'; EXECUTE s", WR, PIN | MULTI, "PREPARE"),

	/* session state */
	C("SET NAMES utf8mb4", SS, 0, "session state"),
	C("set names utf8mb4", SS, 0, "session state"),
	C("SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci'", SS, 0, "session state"),
	C("SET NAMES DEFAULT", SS, 0, "session state"),
	C("SET CHARACTER SET utf8", SS, 0, "session state"),
	C("SET CHARSET utf8", SS, 0, "session state"),
	C("SET autocommit=0", SS, 0, "session state"),
	C("SET autocommit = 1", SS, 0, "session state"),
	C("SET AUTOCOMMIT=OFF", SS, 0, "session state"),
	C("SET SESSION sql_mode=''", SS, 0, "session state"),
	C("SET sql_mode='STRICT_TRANS_TABLES,NO_ZERO_DATE'", SS, 0, "session state"),
	C("SET sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')", SS, 0, "session state"),
	C("SET LOCAL wait_timeout = 10", SS, 0, "session state"),
	C("SET @@session.time_zone = '+00:00'", SS, 0, "session state"),
	C("SET @@SESSION.time_zone = '+00:00'", SS, 0, "session state"),
	C("SET @@local.time_zone = '+00:00'", SS, 0, "session state"),
	C("SET @@time_zone = '+00:00'", SS, 0, "session state"),
	C("SET time_zone = '+00:00', sql_mode = '', autocommit = 1", SS, 0, "session state"),
	C("SET `sql_mode` = ''", SS, 0, "session state"),
	C("SET max_statement_time = 1", SS, 0, "session state"),
	C("SET x := 1", SS, 0, "session state"),
	C("SET insert_id = 5", SS, 0, "session state"),
	C("SET @@insert_id = 5", SS, 0, "session state"),
	C("SET @@session.insert_id = 5, last_insert_id = 6", SS, 0, "session state"),
	C("SET @@session.last_insert_id := 5", SS, 0, "session state"),
	C("SET sql_mode = @@session.last_insert_id", WR, PIN, "session state on the primary"),
	C("SET sql_mode = @@identity", WR, PIN, "session state on the primary"),
	C("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", SS, 0, "session state"),
	C("SET SESSION TRANSACTION READ ONLY", SS, 0, "session state"),
	C("SET ROLE r", SS, 0, "session state"),
	C("SET ROLE NONE", SS, 0, "session state"),
	C("SET NAMES utf8 /* c */ ;", SS, 0, "session state"),
	C("USE db", SS, USE, "use"),
	C("use `my db`", SS, USE, "use"),
	C("USE db;", SS, USE, "use"),
	C("/* c */ USE db -- c", SS, USE, "use"),
	C("SET sql_mode = LAST_INSERT_ID()", WR, PIN, "session state on the primary"),
	C("SET insert_id = NEXTVAL(s)", WR, PIN, "session state on the primary"),
	C("USE db; SELECT 1", WR, MULTI | PIN, "session state on the primary"),
	C("SELECT 1; SET NAMES utf8", WR, MULTI | PIN, "session state on the primary"),

	/* SET that goes to the primary */
	C("SET GLOBAL x=1", WR, 0, "set global"),
	C("set global max_connections = 100", WR, 0, "set global"),
	C("SET @@global.x=1", WR, 0, "set global"),
	C("SET @@GLOBAL.x = 1", WR, 0, "set global"),
	C("SET @@global . x = 1", WR, 0, "set global"),
	C("SET PERSIST x = 1", WR, 0, "set global"),
	C("SET PERSIST_ONLY x = 1", WR, 0, "set global"),
	C("SET a = 1, GLOBAL b = 2", WR, 0, "set global"),
	C("SET a = 1, @@global.b = 2", WR, 0, "set global"),
	C("SET GLOBAL a = 1, @x = 2", WR, PIN, "user variable"),
	C("SET GLOBAL TRANSACTION ISOLATION LEVEL SERIALIZABLE", WR, 0, "set global"),
	C("SET PASSWORD = PASSWORD('x')", WR, 0, "set password"),
	C("SET PASSWORD FOR 'u'@'h' = 'x'", WR, 0, "set password"),
	C("SET TRANSACTION ISOLATION LEVEL READ COMMITTED", WR, 0, "set transaction"),
	C("SET TRANSACTION READ ONLY", WR, 0, "set transaction"),
	C("SET DEFAULT ROLE r FOR u", WR, 0, "set default role"),
	C("SET", WR, 0, "unknown"),
	C("SET GLOBAL", WR, 0, "unknown"),
	C("SET @@ x = 1", WR, 0, "unknown"),
	C("SET = 1", WR, 0, "unknown"),
	C("SET 'x' = 1", WR, 0, "unknown"),

	/* SET STATEMENT ... FOR */
	C("SET STATEMENT max_statement_time=1 FOR SELECT * FROM t", RD, 0, "select"),
	C("SET STATEMENT a=1, b=(SELECT 2) FOR SELECT 1", RD, 0, "select"),
	C("SET STATEMENT max_statement_time=1 FOR UPDATE t SET a = 1", WR, 0, "write"),
	C("SET STATEMENT a=1 FOR INSERT INTO t VALUES (1)", WR, 0, "write"),
	C("SET STATEMENT a=1 FOR CREATE TEMPORARY TABLE t (a INT)", WR, PIN, "temporary table"),
	C("SET STATEMENT a=1 FOR SET STATEMENT b=2 FOR SELECT 1", RD, 0, "select"),
	C("SET STATEMENT a=1 FOR SHOW TABLES", RD, 0, "show"),
	C("SET STATEMENT a=1 FOR SELECT 1 FOR UPDATE", WR, 0, "locking read"),
	C("SET STATEMENT a=1 FOR SELECT @@identity = 5", WR, 0, "identity variable"),
	C("SET STATEMENT a=1 FOR SELECT @x := 5", WR, PIN, "user variable"),
	C("SET STATEMENT a=1", WR, 0, "unknown"),
	C("SET STATEMENT a=1 FOR", WR, 0, "unknown"),

	/* multi-statements */
	C("SELECT 1; SELECT 2", WR, MULTI, "multi-statement"),
	C("SELECT 1;SELECT 2", WR, MULTI, "multi-statement"),
	C("SELECT 1; DELETE FROM t", WR, MULTI, "multi-statement"),
	C("DELETE FROM t; SELECT 1", WR, MULTI, "multi-statement"),
	C("SELECT 1; ; SELECT 2", WR, MULTI, "multi-statement"),
	C("SELECT 1; x", WR, MULTI, "multi-statement"),
	C("SELECT 1; CREATE TEMPORARY TABLE t (a INT)", WR, MULTI | PIN, "temporary table"),
	C("SELECT 1; SET @x = 1", WR, MULTI | PIN, "user variable"),
	C("SELECT 1;", RD, 0, "select"),
	C("SELECT 1 ;", RD, 0, "select"),
	C("SELECT 1;;", RD, 0, "select"),
	C("SELECT 1; ;  ;", RD, 0, "select"),
	C("SELECT 1; -- c", RD, 0, "select"),
	C("SELECT 1; # c", RD, 0, "select"),
	C("SELECT 1; /* c */", RD, 0, "select"),
	C("SELECT 1;\n\n", RD, 0, "select"),
	C(";SELECT 1", WR, MULTI, "multi-statement"),
	C("; SELECT 1", WR, MULTI, "multi-statement"),
	C("SHOW WARNINGS; SELECT 1", WR, MULTI, "multi-statement"),
	C("USE a; USE b", WR, MULTI | PIN, "session state on the primary"),

	/* nothing */
	C("", WR, 0, "empty"),
	C(" ", WR, 0, "empty"),
	C("\n\t\r ", WR, 0, "empty"),
	C(";", WR, 0, "empty"),
	C(";;;", WR, 0, "empty"),
	C("/* only a comment */", WR, 0, "empty"),
	C("-- only a comment", WR, 0, "empty"),
	C("# only a comment", WR, 0, "empty"),
	C("/* a */ -- b\n# c\n;", WR, 0, "empty"),
	C("/*!*/", WR, 0, "empty"),
	C("/*!40101 */", WR, 0, "empty"),
	C("--", WR, 0, "empty"),
	C("#", WR, 0, "empty"),
	C("/*", WR, 0, "empty"),

	/* NUL bytes and other bytes */
	C("\0", WR, 0, "unknown"),
	C("SELECT 1\0", RD, 0, "select"),
	C("SELECT '\0'", RD, 0, "select"),
	C("SELECT 1 /* \0 */", RD, 0, "select"),
	C("\0DELETE FROM t", WR, 0, "unknown"),
	C("SELECT 1\0; DELETE FROM t", WR, MULTI, "multi-statement"),
	C("SELECT 1 # \0 FOR UPDATE", WR, 0, "locking read"),
	C("SELECT 1 -- \0\n; DELETE FROM t", WR, MULTI, "multi-statement"),
	C("SELECT 'a\0b' FROM t", RD, 0, "select"),
	C("SELECT \x01", RD, 0, "select"),
	C("SELECT 1 \x7f", RD, 0, "select"),
	C("\xff\xfe", WR, 0, "unknown"),
	C("\xef\xbb\xbfSELECT 1", WR, 0, "write"), /* a BOM is no space */

	/* bytes >= 0x80: UTF-8 identifiers, invalid bytes, other character sets */
	C("SELECT * FROM caf\xc3\xa9", RD, 0, "select"),
	C("SELECT 'caf\xc3\xa9'", RD, 0, "select"),
	C("SELECT `\xe6\x97\xa5\xe6\x9c\xac` FROM t", RD, 0, "select"),
	C("SELECT \xe6\x97\xa5 FROM t", RD, 0, "select"),
	C("SELECT \xf0\x9f\x98\x80", RD, 0, "select"),
	C("SELECT 1 \x80"
	  "FOR UPDATE",
	  WR, 0, "locking read"),
	C("SELECT 1 a\xff"
	  "FOR UPDATE",
	  WR, 0, "locking read"),
	C("SELECT 1 \xc3"
	  "FOR UPDATE",
	  WR, 0, "locking read"),
	C("SELECT 1 \xe0\x80\x80"
	  "FOR UPDATE",
	  WR, 0, "locking read"),
	C("SELECT @x\xc3\xa9 := 1", WR, PIN, "user variable"),
	C("SELECT @x\xff := 1", WR, PIN, "user variable"),
	/* latin1: 0xA0 is a space, so "--\xA0" starts a comment */
	C("SELECT 1\xa0"
	  "FOR UPDATE",
	  WR, 0, "locking read"),
	C("SELECT 1 --\xa0' \n; DELETE FROM t; -- '", WR, MULTI, "multi-statement"),
	C("SELECT '\xa0'", RD, 0, "select"),
	C("SELECT 'a\xc3\xa0"
	  "b'",
	  RD, 0, "select"),
	/* GBK, SJIS, Big5: 0x5C or 0x60 may be the second byte of a character */
	C("SELECT '\xbf\\'; DELETE FROM t; -- '", WR, MULTI, "multi-statement"),
	C("SELECT `\x81`, '`; DELETE FROM t; -- '", WR, MULTI, "multi-statement"),
	C("SELECT a\x81`; DELETE FROM t; -- `", WR, MULTI, "multi-statement"),
	C("SELECT '\x81\\\\'", RD, 0, "select"),
	C("SELECT 'a\\\\' , `\x81`", RD, 0, "select"),
	C("SELECT '\xe6\x97\xa5\xe6\x9c\xac'", RD, 0, "select"),
};

/* A printable name for a test: the SQL with control and high bytes escaped, cut short. */
static const char *show(const char *prefix, const char *s, size_t len)
{
	static char buf[200];
	size_t i, o;

	o = (size_t)snprintf(buf, sizeof(buf), "%s", prefix);
	for (i = 0; i < len && o + 8 < sizeof(buf); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\\\");
		else if (c < 0x20 || c >= 0x7f || c == '#')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (i < len)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "...");
	buf[o] = 0;
	return buf;
}

static const char *route_name(enum sql_route r)
{
	return r == SQL_ROUTE_READ ? "READ" : r == SQL_ROUTE_WRITE ? "WRITE" : "SESSION";
}

/* sql_class's own rules, whatever the input. */
static bool consistent(const struct sql_class *c)
{
	if (c->route != SQL_ROUTE_READ && c->route != SQL_ROUTE_WRITE &&
	    c->route != SQL_ROUTE_SESSION)
		return false;
	if (!c->why || c->flags & ~(PIN | HINT | MULTI | LAST | USE))
		return false;
	if ((c->flags & (PIN | HINT | MULTI)) && c->route != SQL_ROUTE_WRITE)
		return false;
	if ((c->flags & LAST) && c->route != SQL_ROUTE_READ)
		return false;
	return !(c->flags & USE) || c->route == SQL_ROUTE_SESSION;
}

static void test_case(const struct tcase *tc)
{
	struct sql_class c = { .why = NULL };
	bool ok;

	sql_classify(tc->sql, tc->len, &c);
	ok = c.route == tc->route && c.flags == tc->flags && consistent(&c) &&
	     (!tc->why || (c.why && !strcmp(c.why, tc->why)));
	tap_check(ok, show("", tc->sql, tc->len), "got route %lld flags %#llx", c.route, c.flags);
	if (!ok)
		printf("#   got %s flags %#x why \"%s\"; want %s flags %#x why \"%s\"\n",
		       route_name(c.route), c.flags, c.why ? c.why : "(null)",
		       route_name(tc->route), tc->flags, tc->why ? tc->why : "(any)");
}

/* The hint in front forces the primary, whatever follows. */
static void test_hint(const struct tcase *tc)
{
	static const char hint[] = "/* xlb:primary */ ";
	struct sql_class c;
	char *buf = malloc(sizeof(hint) - 1 + tc->len + 1);

	if (!buf)
		abort();
	memcpy(buf, hint, sizeof(hint) - 1);
	memcpy(buf + sizeof(hint) - 1, tc->sql, tc->len);
	sql_classify(buf, sizeof(hint) - 1 + tc->len, &c);
	tap_check(c.route == SQL_ROUTE_WRITE && (c.flags & HINT) && consistent(&c),
		  show("hint: ", tc->sql, tc->len), "got route %lld flags %#llx", c.route, c.flags);
	free(buf);
}

/* Keywords, names and the hint are case-insensitive ("M!" is not, nor 0x/0b prefixes). */
static void test_case_folding(const struct tcase *tc)
{
	struct sql_class c, up, low;
	char *u = malloc(tc->len + 1), *l = malloc(tc->len + 1);
	size_t i;

	if (!u || !l)
		abort();
	for (i = 0; i < tc->len; i++) {
		unsigned char ch = (unsigned char)tc->sql[i];

		u[i] = (char)(ch < 0x80 ? toupper(ch) : ch);
		l[i] = (char)(ch < 0x80 ? tolower(ch) : ch);
	}
	sql_classify(tc->sql, tc->len, &c);
	sql_classify(u, tc->len, &up);
	sql_classify(l, tc->len, &low);
	if (memmem(tc->sql, tc->len, "M!", 2))
		low = c;
	tap_check(up.route == c.route && up.flags == c.flags && low.route == c.route &&
			  low.flags == c.flags,
		  show("case: ", tc->sql, tc->len), "upper route %lld, lower route %lld", up.route,
		  low.route);
	free(u);
	free(l);
}

/* Every prefix of every row, in a buffer of exactly its size: no read past len. */
static void test_prefixes(void)
{
	size_t i, k, bad = 0, runs = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (k = 0; k <= cases[i].len; k++) {
			struct sql_class c;
			char *buf = malloc(k ? k : 1);

			if (!buf)
				abort();
			memcpy(buf, cases[i].sql, k);
			sql_classify(buf, k, &c);
			bad += !consistent(&c);
			runs++;
			free(buf);
		}
	}
	ASSERT_EQ(bad, 0, "every prefix of every row classifies consistently");
	ASSERT_TRUE(runs > 1000, "prefixes: many");
}

/* NULL with length 0 is an empty statement. */
static void test_null(void)
{
	struct sql_class c;

	sql_classify(NULL, 0, &c);
	ASSERT_EQ(c.route, SQL_ROUTE_WRITE, "NULL: write");
	ASSERT_TRUE(c.why && !strcmp(c.why, "empty"), "NULL: empty");
}

/* Large inputs stay linear: deep parentheses, long comments, many statements. */
static void test_large(void)
{
	size_t n = 4u << 20, i;
	char *buf = malloc(n);
	struct sql_class c;

	if (!buf)
		abort();
	memset(buf, '(', n);
	sql_classify(buf, n, &c);
	ASSERT_EQ(c.route, SQL_ROUTE_WRITE, "4 MiB of '(': write");

	memcpy(buf, "SELECT ", 7);
	for (i = 7; i + 1 < n; i += 2)
		memcpy(buf + i, "1,", 2);
	buf[n - 1] = '1';
	sql_classify(buf, n, &c);
	ASSERT_EQ(c.route, SQL_ROUTE_READ, "SELECT 1,1,...,1 (4 MiB): read");

	memcpy(buf, "SELECT 1 /*", 11);
	memset(buf + 11, '*', n - 11);
	sql_classify(buf, n, &c);
	ASSERT_EQ(c.route, SQL_ROUTE_READ, "unterminated 4 MiB comment: read");

	for (i = 0; i + 2 <= n; i += 2)
		memcpy(buf + i, "1;", 2);
	sql_classify(buf, n, &c);
	ASSERT_TRUE(c.route == SQL_ROUTE_WRITE && (c.flags & MULTI), "2M statements: multi");

	/* every reading at once: versioned comments, backslashes, 0xA0, GBK pairs */
	for (i = 0; i + 16 <= n; i += 16)
		memcpy(buf + i, "/*!99999 '\\\xa0\x81`*/", 16);
	sql_classify(buf, n, &c);
	ASSERT_TRUE(consistent(&c), "every reading over 4 MiB: consistent");
	free(buf);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_hint(&cases[i]);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case_folding(&cases[i]);
	test_prefixes();
	test_null();
	test_large();
	return tap_done();
}
