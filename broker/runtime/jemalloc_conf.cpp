// natterd's jemalloc settings, read by jemalloc when the process starts;
// the MALLOC_CONF environment variable adds to them and overrides them.
// Linked into natterd only when it links jemalloc.
//
// background_thread: a thread of jemalloc's own hands memory freed after a
// burst back to the system (about 10 s later, its dirty_decay_ms), also
// while natterd sits idle. Without it jemalloc purges only while the
// process allocates, so a quiet natterd would keep its peak RSS. One such
// thread serves every arena.

extern "C" {
__attribute__((visibility("default"))) const char* malloc_conf = "background_thread:true,max_background_threads:1";
}
