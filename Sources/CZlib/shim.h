#include <zlib.h>

// deflateInit2 is a macro around deflateInit2_ (it passes the version and struct size): Swift
// cannot call the macro.
static inline int zamin_deflate_init_gzip(z_streamp stream, int level) {
    // windowBits 15 + 16: a gzip header and trailer instead of zlib's (RFC 1952).
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
