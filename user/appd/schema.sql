-- SPDX-License-Identifier: GPL-2.0-only
-- appd's schema. Load it on the primary (it replicates); appd itself runs no DDL. Loading it
-- twice is harmless. appd's MariaDB user needs SELECT and INSERT on notes.*:
--   GRANT SELECT, INSERT ON notes.* TO 'app'@'%';
-- Sizes are characters, as appd counts them (user/appd/notes.h): text 1000, author 64.

CREATE DATABASE IF NOT EXISTS notes CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS notes.notes (
	id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	-- utf8mb4_bin: a note is stored and compared byte for byte, as it was sent
	text VARCHAR(1000) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	author VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL DEFAULT '',
	created TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
