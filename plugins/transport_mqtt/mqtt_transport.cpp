#include "mqtt_transport.hpp"

#include "mqtt_topics.hpp"
#include "protocol_codec.hpp"

namespace natter::mqtt {

MqttTransport::MqttTransport(natter::Host& host, const natter::PluginConfig& config)
    : host_(host),
      settings_(read_mqtt_settings(config, host.node_id())),
      connected_gauge_(host.gauge("connected", "1 while natter is connected to the MQTT broker")),
      sessions_gauge_(host.gauge("sessions", "Device sessions on this node")),
      reconnects_(host.counter("reconnects_total", "Connections to the MQTT broker made again after one was lost")),
      commands_(host.counter("commands_total", "Commands devices published")) {
  settings_.client.subscriptions.push_back(inbound_filter(settings_.topic_prefix));
  if (settings_.presence_notices) settings_.client.subscriptions.emplace_back(kNoticeTopic);
  client_ = std::make_unique<MqttClient>(settings_.client, static_cast<MqttClient::Handler&>(*this));
}

MqttTransport::~MqttTransport() = default;

bool MqttTransport::start(natter::BrokerEntry& broker, natter::Diagnostic& error) noexcept {
  broker_ = &broker;
  try {
    sessions_ = std::make_unique<MqttSessions>(
        *client_, settings_.topic_prefix, settings_.linger, [this](MqttLink& link, const std::string& address) {
          natter::ConnectInfo info{"mqtt", address, link.user(), {}};
          info.authenticated = true;
          return broker_->open_session(link, info);
        });
    sessions_->start();
    client_->start();
  } catch (const std::exception& e) {
    error.report(e.what());
    return false;
  }
  host_.log(natter::LogLevel::info, "attaching to the MQTT broker at " + settings_.client.host + ":" +
                                        std::to_string(settings_.client.port) + " as '" +
                                        settings_.client.client_id + "'; devices publish to " +
                                        settings_.topic_prefix + "/in/<user>/<client id>");
  return true;
}

void MqttTransport::stop() noexcept {
  if (sessions_) sessions_->stop(std::chrono::seconds(5));
  client_->stop(std::chrono::seconds(2));
}

void MqttTransport::connected(bool first, bool) noexcept {
  connected_gauge_.set(1);
  if (!first) reconnects_.add(1);
  host_.log(natter::LogLevel::info, first ? "connected to the MQTT broker" : "connected to the MQTT broker again");
}

void MqttTransport::disconnected(std::string_view reason) noexcept {
  connected_gauge_.set(0);
  host_.log(natter::LogLevel::warn,
            "not connected to the MQTT broker (" + std::string(reason) + "); trying again, with backoff");
}

void MqttTransport::received(std::string_view topic, std::span<const std::byte> payload,
                             std::string_view correlation) noexcept {
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  try {
    if (topic == kNoticeTopic) {
      if (const auto notice = parse_notice(text)) {
        if (notice->kind == ClientNotice::Kind::connected) {
          sessions_->device_connected(notice->client_id, notice->address);
        } else {
          sessions_->device_disconnected(notice->client_id);
        }
      }
    } else if (const auto inbound = parse_inbound(settings_.topic_prefix, topic)) {
      if (inbound->bye) {
        sessions_->device_said_bye(inbound->user, inbound->device);
      } else {
        command(inbound->user, inbound->device, text, correlation);
      }
    }
    sessions_gauge_.set(static_cast<std::int64_t>(sessions_->size()));
  } catch (const std::exception& e) {
    host_.log(natter::LogLevel::error, "a message on " + std::string(topic) + " was dropped: " + e.what());
  }
}

void MqttTransport::command(std::string_view user, std::string_view device, std::string_view text,
                            std::string_view correlation) {
  commands_.add(1);
  if (text.size() > settings_.max_message_bytes) {
    return refuse(user, device, {}, "message too big (" + std::to_string(text.size()) + " bytes; at most " +
                                        std::to_string(settings_.max_message_bytes) + ")", correlation);
  }
  auto decoded = std::make_unique<natter::ws::DecodedCommand>();
  natter::ws::decode_command(text, *decoded);
  if (!decoded->error.empty()) return refuse(user, device, decoded->ref, decoded->error, correlation);
  // MQTT 5 clients may name the reply by correlation data instead.
  if (decoded->command.ref.empty()) decoded->command.ref = correlation;
  MqttLink* link = sessions_->link_for(user, device);
  if (link) link->submit(decoded->command);
}

void MqttTransport::refuse(std::string_view user, std::string_view device, std::string_view ref,
                           std::string_view why, std::string_view correlation) {
  broker_->count_bad_request();
  const std::string error = natter::ws::encode_error(ref, natter::ErrorCode::bad_request, why);
  client_->publish(outbound_topic(settings_.topic_prefix, user, device),
                   std::as_bytes(std::span(error.data(), error.size())), ref.empty() ? correlation : ref);
}

}  // namespace natter::mqtt
