// The turn methods (turn/start, turn/steer, turn/interrupt; thread/compact/start, a turn of its
// own): validate (turn_params), call the
// turn engine, answer; the turn's notifications come from the engine.
#ifndef THREADLOG_API_TURN_HANDLERS_H_
#define THREADLOG_API_TURN_HANDLERS_H_

#include "api/agent/turn_engine.h"
#include "api/method_registry.h"

namespace threadlog::api {

// Registers the turn methods in `registry`. `engine` must outlive the registry.
void RegisterTurnHandlers(MethodRegistry& registry, agent::TurnEngine& engine);

}  // namespace threadlog::api

#endif  // THREADLOG_API_TURN_HANDLERS_H_
