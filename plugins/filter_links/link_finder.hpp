#pragma once
// Finds the links in a message and the host each one names, with one
// linear-time RE2 scan. A link is `scheme://host...`, or a bare host
// `www.host...`, or a bare `host/path`, or a bare host whose last label is
// a common top-level domain (com, org, net, io, ...): "see file.txt" is
// not a link, "see example.com" is. Hosts are lower-cased ASCII (an IDN
// arrives in its punycode form, xn--...). Immutable once built: any
// number of threads may scan at once.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace natter::links {

struct Link {
  std::size_t begin, end;  // the link's bytes in the text
  std::string host;        // lower case
};

class LinkFinder {
 public:
  LinkFinder();
  ~LinkFinder();
  std::vector<Link> find(std::string_view text) const;

 private:
  std::unique_ptr<re2::RE2> pattern_;
};

// Whether `host` is `domain` or below it ("a.example.com" is below
// "example.com"; "badexample.com" is not).
bool host_within(std::string_view host, std::string_view domain) noexcept;

}  // namespace natter::links
