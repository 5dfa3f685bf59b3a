#include "s3_attachments.hpp"

NATTER_PLUGIN(attachments, natter::s3::S3Attachments, "s3", "0.1.0",
              "Files shared through presigned URLs of an S3 bucket (AWS Signature V4)",
              natter::s3::S3Attachments::keys())
