// The broker's one compiled copy of Asio and Beast (separate compilation;
// Beast serves only the admin endpoint).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
