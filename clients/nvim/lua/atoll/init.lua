-- atoll for Neovim: starts `atoll daemon --stdio` with Neovim's own JSON-RPC client (vim.lsp.rpc), speaks
-- the atoll protocol (protocol.md, src/protocol/) and shows results and progress as messages.
local format = require('atoll.format')

local M = {}

M.config = {
  -- The daemon's command line; the first element is the program.
  cmd = { 'atoll', 'daemon', '--stdio' },
  -- Extra environment for the daemon (e.g. { ATOLL_CACHE_DIR = '/tmp/atoll' }).
  env = nil,
  -- Optimize options as on the wire (islands, generations, seed, objective, verify, …); empty: the daemon's defaults.
  options = {},
  -- Output file name; ${name} is the input's name without .wasm. Written beside the input.
  output = '${name}.opt.wasm',
  -- Solver time limit per function for :AtollVerify, in ms; nil: the daemon's default.
  verify_timeout_ms = nil,
}

-- Every message shown, oldest first, and the last one: what :AtollMessages prints and tests read.
M.messages = {}
M.last_message = nil

local daemon = nil -- { rpc, pid, ready, waiting, info }
local requests = {} -- asked for and not yet answered: sequence number -> { title, id (once sent) }
local next_request = 1
local watches = {} -- watch id -> paths
local next_token = 1
local ERROR, WARN, INFO = vim.log.levels.ERROR, vim.log.levels.WARN, vim.log.levels.INFO

local function record(message)
  message = 'atoll: ' .. message
  table.insert(M.messages, message)
  M.last_message = message
  return message
end

local function notify(message, level)
  vim.notify(record(message), level or INFO)
end

-- Progress goes to the command line only (no history, no hit-enter prompt), but is still recorded.
local function echo(message)
  vim.api.nvim_echo({ { record(message) } }, false, {})
end

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

--- True when no request is waiting for the daemon.
function M.idle()
  return count(requests) == 0
end

--- The daemon's pid, or nil when none runs.
function M.pid()
  return daemon and daemon.pid
end

-- vim.lsp.rpc.start took (cmd, args, dispatchers, extra) before Neovim 0.10 and (cmd_list, dispatchers, extra) since.
local function start_rpc(cmd, dispatchers, extra)
  if vim.fn.has('nvim-0.10') == 1 then return vim.lsp.rpc.start(cmd, dispatchers, extra) end
  return vim.lsp.rpc.start(cmd[1], vim.list_slice(cmd, 2), dispatchers, extra)
end

local function on_notification(method, params)
  if method == '$/progress' then
    echo(format.progress(params.value))
  elseif method == 'atoll/watchResult' then
    notify(format.watch_result(params), params.error and WARN or INFO)
  elseif method == 'window/logMessage' and params.type <= 2 then
    notify(params.message, params.type == 1 and ERROR or WARN)
  end
end

-- The exit of one daemon: `this` is the daemon it belonged to (a newer one may be running by then).
local function on_exit(this, code, signal)
  this.exited = true -- read by stop()'s vim.wait; a plain field write is safe in a libuv callback
  -- Called from a libuv callback on Neovim 0.7: touch the editor only from the main loop.
  vim.schedule(function()
    if daemon ~= this then return end
    daemon, watches = nil, {}
    local lost = count(requests)
    requests = {}
    notify(string.format('the daemon exited (code %s, signal %s)%s; the next command starts a new one', code, signal,
      lost > 0 and string.format(', %d request(s) lost', lost) or ''), ERROR)
  end)
end

-- Runs `callback(daemon)` once the daemon is initialized, starting it first if needed.
local function with_daemon(callback)
  if daemon and daemon.ready then return callback(daemon) end
  if daemon then return table.insert(daemon.waiting, callback) end
  local extra = M.config.env and { env = M.config.env } or nil
  local this = { ready = false, waiting = { callback } }
  local rpc = start_rpc(M.config.cmd, {
    notification = on_notification,
    -- Watch rebuilds ask for a progress token of their own (LSP's window/workDoneProgress/create); any is fine.
    server_request = function(method)
      if method == 'window/workDoneProgress/create' then return vim.NIL end
      return nil, { code = -32601, message = 'unsupported: ' .. method }
    end,
    on_exit = function(code, signal) on_exit(this, code, signal) end,
  }, extra)
  if not rpc then
    requests = {}
    return notify('cannot start the daemon: ' .. table.concat(M.config.cmd, ' ') .. ' (set cmd in require("atoll").setup{})', ERROR)
  end
  this.rpc, this.pid = rpc, rpc.pid
  daemon = this
  local params = { processId = vim.fn.getpid(), clientInfo = { name = 'atoll.nvim' }, capabilities = { window = { workDoneProgress = true } } }
  rpc.request('initialize', params, function(err, result)
    if err then
      requests = {}
      return notify('initialize failed: ' .. tostring(err.message or err), ERROR)
    end
    rpc.notify('initialized', vim.empty_dict())
    this.ready, this.info = true, result
    local waiting = this.waiting
    this.waiting = {}
    for _, waiter in ipairs(waiting) do waiter(this) end
  end)
end

-- Sends a request; `on_result(result)` runs on success, errors are shown. With `title`, the request carries a
-- work-done token so the daemon reports `$/progress`, and it can be cancelled with :AtollCancel.
local function request(method, params, title, on_result)
  local pending = { title = title or method }
  local key = next_request
  next_request = next_request + 1
  requests[key] = pending
  with_daemon(function(d)
    if requests[key] ~= pending then return end -- cancelled while the daemon was starting
    if title then
      params.workDoneToken = 'atoll-nvim-' .. key
    end
    local ok, id = d.rpc.request(method, params, function(err, result)
      if requests[key] ~= pending then return end
      requests[key] = nil
      if err then return notify(pending.title .. ' failed: ' .. tostring(err.message or err), ERROR) end
      on_result(result)
    end)
    if not ok then
      requests[key] = nil
      return notify('could not send ' .. method .. ': the daemon is gone', ERROR)
    end
    pending.id = id
  end)
end

local function absolute(path)
  return vim.fn.fnamemodify(vim.fn.expand(path), ':p')
end

local function output_for(input)
  local name = vim.fn.fnamemodify(input, ':t'):gsub('%.wasm$', '')
  local file = M.config.output:gsub('%${name}', function() return name end)
  return vim.fn.fnamemodify(input, ':h') .. '/' .. file
end

function M.optimize(file)
  local input = absolute((file and file ~= '') and file or '%')
  if not input:match('%.wasm$') then return notify('not a .wasm file: ' .. input, ERROR) end
  local output = output_for(input)
  if output == input then return notify('the output name would overwrite the input: ' .. input, ERROR) end
  local params = { input = { path = input }, outputPath = output }
  if next(M.config.options) then params.options = M.config.options end
  request('atoll/optimize', params, 'optimize ' .. vim.fn.fnamemodify(input, ':t'), function(result)
    notify(format.optimize(result.report, input, result.outputPath))
  end)
end

function M.verify(base, candidate)
  if not base or not candidate then return notify('usage: :AtollVerify base.wasm candidate.wasm', ERROR) end
  base, candidate = absolute(base), absolute(candidate)
  local params = { base = { path = base }, candidate = { path = candidate }, timeoutMs = M.config.verify_timeout_ms }
  request('atoll/verify', params, 'verify ' .. vim.fn.fnamemodify(candidate, ':t'), function(report)
    local clean = report.totals.refuted == 0 and report.totals.unknown == 0 and report.module.accepted
    notify(format.verify(report, base, candidate), clean and INFO or WARN)
  end)
end

function M.watch(paths)
  local absolute_paths = {}
  for _, path in ipairs((paths and #paths > 0) and paths or { vim.fn.getcwd() }) do table.insert(absolute_paths, absolute(path)) end
  local params = { paths = absolute_paths }
  if next(M.config.options) then params.options = M.config.options end
  request('atoll/watch/start', params, nil, function(result)
    watches[result.watchId] = result.watching
    notify('watching ' .. table.concat(result.watching, ', '))
  end)
end

function M.unwatch()
  if next(watches) == nil then return notify('nothing is being watched') end
  for watch_id in pairs(watches) do
    request('atoll/watch/stop', { watchId = watch_id }, nil, function()
      watches[watch_id] = nil
      notify('stopped watching (' .. watch_id .. ')')
    end)
  end
end

function M.status()
  request('atoll/status', nil, nil, function(s)
    notify(string.format('daemon pid %d, up %.0f s, %d running, %d queued, %d done; atoll %s, binaryen %s, z3 %s', s.pid, s.uptimeMs / 1000,
      s.queue.running, s.queue.queued, s.queue.completed, s.versions.atoll, s.versions.binaryen, s.versions.z3))
  end)
end

-- Neovim's client drops the daemon's RequestCancelled answer, so a cancelled request is settled here.
function M.cancel()
  if not daemon or M.idle() then return notify('nothing to cancel') end
  for key, pending in pairs(requests) do
    if pending.id then daemon.rpc.notify('$/cancelRequest', { id = pending.id }) end
    requests[key] = nil
    notify(pending.title .. ' cancelled')
  end
end

--- Ends the daemon the LSP way: shutdown, its reply, exit; then waits (within timeout_ms in all) for it to go,
--- so that it reads `exit` before Neovim closes its pipes.
function M.stop(timeout_ms)
  local d = daemon
  if not d then return end
  daemon, requests, watches = nil, {}, {}
  local deadline = vim.loop.now() + (timeout_ms or 5000)
  local replied = false
  d.rpc.request('shutdown', nil, function() replied = true end)
  vim.wait(deadline - vim.loop.now(), function() return replied or d.exited end, 20)
  d.rpc.notify('exit')
  vim.wait(math.max(0, deadline - vim.loop.now()), function() return d.exited end, 20)
  if d.exited then
    notify('daemon shut down')
  else
    notify(replied and 'daemon answered shutdown but has not exited yet' or 'daemon did not answer shutdown; sent exit', WARN)
  end
end

function M.setup(config)
  M.config = vim.tbl_deep_extend('force', M.config, config or {})
end

return M
