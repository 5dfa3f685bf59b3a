// natterd's jemalloc settings, read by jemalloc when the process starts;
// the MALLOC_CONF environment variable adds to them and overrides them.
// Linked into natterd only when it links jemalloc.
//
// background_thread: a thread of jemalloc's own hands memory freed after a
// burst back to the system (about 10 s later, its dirty_decay_ms), also
// while natterd sits idle. Without it jemalloc purges only while the
// process allocates, so a quiet natterd would keep its peak RSS. One such
// thread serves every arena.
//
// dirty_decay_ms / muzzy_decay_ms: pages freed after a burst (the
// announcements when many join one room) go back 5 s later, and straight
// back (MADV_DONTNEED) rather than "muzzy" (MADV_FREE): muzzy pages still
// count in the RSS an operator sees until the kernel wants them. Measured
// with 10,000 members joining one room (bench/README.md): 1.61 KB per
// member at jemalloc's defaults, 1.37 KB with these.

extern "C" {
__attribute__((visibility("default"))) const char* malloc_conf =
    "background_thread:true,max_background_threads:1,dirty_decay_ms:5000,muzzy_decay_ms:0";
}
