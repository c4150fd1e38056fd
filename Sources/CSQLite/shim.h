#include <sqlite3.h>

// Swift cannot call variadic C functions; wrap the ones cmbench needs.
static inline int cmbench_sqlite3_db_config_int(sqlite3 *db, int op, int value, int *result) {
    return sqlite3_db_config(db, op, value, result);
}
