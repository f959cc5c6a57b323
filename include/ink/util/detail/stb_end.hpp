// Closes the region stb_begin.hpp opened.
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
