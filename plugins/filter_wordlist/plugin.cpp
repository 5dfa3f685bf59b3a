#include "wordlist_filter.hpp"

NATTER_PLUGIN(filter, natter::wordlist::WordlistFilter, "wordlist", "0.1.0",
              "Masks, rejects or flags words and phrases from word list files",
              natter::wordlist::WordlistFilter::keys())
