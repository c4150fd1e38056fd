// libzstd's stable API only (no ZSTD_STATIC_LINKING_ONLY), so Debian's shared library keeps working.
#include <zstd.h>
#include <zstd_errors.h>
