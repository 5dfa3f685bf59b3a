#include "links_filter.hpp"

NATTER_PLUGIN(filter, natter::links::LinksFilter, "links", "0.1.0",
              "Refuses or removes links by domain, and messages matching RE2 patterns",
              natter::links::LinksFilter::keys())
