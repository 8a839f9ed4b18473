#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro around a cast Swift cannot import: sqlite copies the bound bytes.
static inline sqlite3_destructor_type zamin_sqlite_transient(void) { return SQLITE_TRANSIENT; }

// sqlite3_config and sqlite3_db_config are variadic: Swift cannot call them directly.
static inline int zamin_sqlite_enable_load_extension(sqlite3 *db, int on) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, on, (int *)0);
}
