#pragma once
// Debian's libcpp-httplib-dev is a compiled library (-lcpp-httplib) built with OpenSSL, zlib and Brotli
// support; its header changes class layouts with these macros, so every includer must define them exactly as
// the library was built (pkg-config cpp-httplib --cflags). Include httplib only through this header.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT 1
#endif
#ifndef CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT 1
#endif
#ifndef CPPHTTPLIB_BROTLI_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT 1
#endif
#include <httplib.h>
