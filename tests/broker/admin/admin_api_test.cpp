#include "admin/admin_api.hpp"

#include <string>

#include <gtest/gtest.h>

namespace natter::admin {

namespace {

constexpr std::string_view kToken = "0123456789abcdef0123";

// Says which command ran, with its arguments.
class Recorder final : public AdminOps {
 public:
  AdminReply status() override { return said("status"); }
  AdminReply rooms() override { return said("rooms"); }
  AdminReply room(std::string_view name) override { return said("room " + std::string(name)); }
  AdminReply sessions() override { return said("sessions"); }
  AdminReply kick(std::string_view user) override { return said("kick " + std::string(user)); }
  AdminReply broadcast(std::string_view room, std::string_view text) override {
    return said("broadcast " + std::string(room) + " " + std::string(text));
  }
  AdminReply reload() override { return said("reload"); }
  AdminReply drain() override { return said("drain"); }

 private:
  static AdminReply said(std::string what) { return {200, what}; }
};

const std::string kBearer = "Bearer " + std::string(kToken);

}  // namespace

TEST(AdminApi, ReadingOnLoopbackNeedsNoTokenAndChangingAlwaysDoes) {
  Recorder ops;
  AdminApi api(std::string(kToken), true, ops);
  EXPECT_EQ(api.handle("GET", "/v1/status", "", "").json, "status");
  EXPECT_EQ(api.handle("POST", "/v1/kick", "", R"({"user":"ann"})").status, 401u);
  EXPECT_EQ(api.handle("POST", "/v1/kick", kBearer, R"({"user":"ann"})").json, "kick ann");
  EXPECT_EQ(api.handle("POST", "/v1/drain", "Bearer nope", "").status, 401u);
  EXPECT_EQ(api.handle("GET", "/v1/rooms", "Bearer nope", "").status, 401u);  // a wrong token is never ignored
}

TEST(AdminApi, OffLoopbackReadingNeedsTheTokenToo) {
  Recorder ops;
  AdminApi api(std::string(kToken), false, ops);
  EXPECT_EQ(api.handle("GET", "/v1/rooms", "", "").status, 401u);
  EXPECT_EQ(api.handle("GET", "/v1/rooms", kBearer, "").json, "rooms");
}

TEST(AdminApi, WithoutATokenConfiguredNothingChanges) {
  Recorder ops;
  AdminApi api("", true, ops);
  const AdminReply refused = api.handle("POST", "/v1/reload", "", "");
  EXPECT_EQ(refused.status, 403u);
  EXPECT_NE(refused.json.find("no admin_token_file"), std::string::npos);
  EXPECT_EQ(api.handle("POST", "/v1/reload", "Bearer ", "").status, 401u);
  EXPECT_EQ(api.handle("GET", "/v1/sessions", "", "").json, "sessions");
}

TEST(AdminApi, ArgumentsAreCheckedAndRoomNamesDecoded) {
  Recorder ops;
  AdminApi api(std::string(kToken), true, ops);
  EXPECT_EQ(api.handle("GET", "/v1/rooms/caf%C3%A9%20talk", "", "").json, "room café talk");
  EXPECT_EQ(api.handle("GET", "/v1/rooms/%zz", "", "").status, 400u);
  EXPECT_EQ(api.handle("POST", "/v1/broadcast", kBearer, R"({"room":"lobby","text":"hi all"})").json,
            "broadcast lobby hi all");
  EXPECT_EQ(api.handle("POST", "/v1/broadcast", kBearer, R"({"room":"lobby"})").status, 400u);
  EXPECT_EQ(api.handle("POST", "/v1/kick", kBearer, "{not json").status, 400u);
  EXPECT_EQ(api.handle("PUT", "/v1/kick", kBearer, "").status, 405u);
  EXPECT_EQ(api.handle("GET", "/v1/nothing", "", "").status, 404u);
}

}  // namespace natter::admin
