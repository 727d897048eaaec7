-- One-line summaries of the daemon's reports (OptimizeReport, VerifyReport in src/protocol/report.ts).
local M = {}

local function bytes(n)
  if math.abs(n) < 10000 then return string.format('%d B', n) end
  return string.format('%.1f KiB', n / 1024)
end

local function duration(ms)
  if ms < 1000 then return string.format('%d ms', math.floor(ms + 0.5)) end
  return string.format('%.1f s', ms / 1000)
end

local function basename(path)
  return vim.fn.fnamemodify(path, ':t')
end

function M.size_change(before, after)
  local saved = before - after
  if saved == 0 then return bytes(before) .. ', unchanged' end
  local percent = before == 0 and 0 or math.abs(saved) / before * 100
  local sign, direction = '-', 'smaller'
  if saved < 0 then sign, direction = '+', 'larger' end
  return string.format('%s -> %s (%s%s, %.1f%% %s)', bytes(before), bytes(after), sign, bytes(math.abs(saved)), percent, direction)
end

-- Never calls an unverified output verified.
function M.verification(report)
  local totals = report.verification and report.verification.totals
  if report.verifiedStatus == 'unverified' or not totals then
    return string.format('unverified (verify: %s)', report.settings.verify)
  end
  if totals.changed == 0 then return 'no function changed' end
  return string.format('%d/%d changed functions proved (%d%%)', totals.proved, totals.changed, math.floor(totals.coverage + 0.5))
end

function M.optimize(report, input, output)
  local target = output and (' -> ' .. basename(output)) or ''
  local cached = report.cached and ', from cache' or ''
  return string.format('%s%s: %s; %s; %s%s', basename(input), target, M.size_change(report.input.bytes, report.output.bytes),
    M.verification(report), duration(report.timeMs.total), cached)
end

function M.verify(report, base, candidate)
  local t = report.totals
  local module = report.module.accepted and 'module structure preserved' or 'module-level changes not shown to preserve behaviour'
  return string.format('%s vs %s: %d changed, %d proved, %d refuted, %d unknown (%d%% proved); %s', basename(candidate), basename(base),
    t.changed, t.proved, t.refuted, t.unknown, math.floor(t.coverage + 0.5), module)
end

function M.watch_result(result)
  local file = basename(result.path)
  if result.error then
    return string.format('watch: %s (%s) failed after %s: %s', file, result.cause, duration(result.ms), result.error.message)
  end
  local summary = result.report and (M.size_change(result.report.input.bytes, result.report.output.bytes) .. '; ' .. M.verification(result.report)) or 'done'
  -- A quick answer replays the previous build's pipeline; the full rebuild's line follows.
  local stage = result.stage == 'quick' and ' [quick: previous pipeline, full rebuild follows]' or ''
  return string.format('watch: %s (%s) -> %s: %s%s; %s', file, result.cause, result.outputPath and basename(result.outputPath) or '?', summary, stage, duration(result.ms))
end

function M.progress(value)
  local text = value.message or value.title or ''
  if value.percentage then text = string.format('%s (%d%%)', text, value.percentage) end
  return text
end

return M
