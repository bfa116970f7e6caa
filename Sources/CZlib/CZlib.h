// The system zlib (Debian's zlib1g-dev), for SPDY header-block compression with a preset dictionary.
// deflateInit2 and inflateInit are macros, which Swift cannot call: these wrappers can.
#ifndef SKIFF_CZLIB_H
#define SKIFF_CZLIB_H
#include <zlib.h>

static inline int CZlib_deflateInit2(z_streamp strm, int level, int method, int windowBits, int memLevel, int strategy) {
    return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}

static inline int CZlib_inflateInit(z_streamp strm) {
    return inflateInit(strm);
}
#endif
