#include "chat/attachment_list.hpp"

#include <gtest/gtest.h>

namespace natter::chat {

TEST(AttachmentList, StorageTextSurvivesTheRoundTrip) {
  const AttachmentList files = {{"natter/ab/cd/cat.png", "cat \"🐈\".png", "image/png", 48213},
                                {"k2", "n", "text/plain", 18446744073709551615ull}};
  const std::string text = encode_attachments(files);
  EXPECT_EQ(decode_attachments(text), files);
  EXPECT_EQ(encode_attachments({}), "");
  EXPECT_EQ(decode_attachments(""), AttachmentList{});
}

TEST(AttachmentList, TextItDidNotWriteIsRefused) {
  EXPECT_FALSE(decode_attachments("{"));
  EXPECT_FALSE(decode_attachments("{}"));
  EXPECT_FALSE(decode_attachments(R"([{"key":"k","name":"n","type":"t"}])"));
  EXPECT_FALSE(decode_attachments(R"([{"key":"k","name":"n","type":"t","size":-1}])"));
  EXPECT_FALSE(decode_attachments(R"([1])"));
}

}  // namespace natter::chat
