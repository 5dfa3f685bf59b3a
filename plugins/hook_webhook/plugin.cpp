#include "webhook_hook.hpp"

NATTER_PLUGIN(hook, natter::webhook::WebhookHook, "webhook", "0.1.0",
              "POSTs signed, debounced notices of messages that reached offline users",
              natter::webhook::WebhookHook::keys())
