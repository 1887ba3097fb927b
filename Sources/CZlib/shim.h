// Umbrella header for the CZlib system-library module. inflateInit is a macro
// (it passes zlib's version and struct size), so it is re-exported as a tiny
// inline function.
#include <zlib.h>

static inline int kf_inflate_init(z_stream *stream) { return inflateInit(stream); }
