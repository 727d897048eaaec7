-- :AtollOptimize [file]  :AtollVerify base candidate  :AtollWatch [paths…]  :AtollUnwatch  :AtollStatus
-- :AtollCancel  :AtollStop  :AtollMessages. The daemon starts on the first command and stops when Neovim exits.
if vim.g.loaded_atoll then return end
vim.g.loaded_atoll = true

local command = vim.api.nvim_create_user_command
local function atoll() return require('atoll') end

command('AtollOptimize', function(o) atoll().optimize(o.args) end, { nargs = '?', complete = 'file', desc = 'Optimize a .wasm (default: this buffer) with atoll' })
command('AtollVerify', function(o) atoll().verify(o.fargs[1], o.fargs[2]) end, { nargs = '+', complete = 'file', desc = 'Verify an optimized .wasm against its base' })
command('AtollWatch', function(o) atoll().watch(o.fargs) end, { nargs = '*', complete = 'file', desc = 'Optimize .wasm files as they change' })
command('AtollUnwatch', function() atoll().unwatch() end, { desc = 'Stop watching' })
command('AtollStatus', function() atoll().status() end, { desc = "Show the atoll daemon's status" })
command('AtollCancel', function() atoll().cancel() end, { desc = 'Cancel the running atoll requests' })
command('AtollStop', function() atoll().stop() end, { desc = 'Shut the atoll daemon down' })
command('AtollMessages', function() print(table.concat(atoll().messages, '\n')) end, { desc = 'Show every atoll message' })

vim.api.nvim_create_autocmd('VimLeavePre', {
  group = vim.api.nvim_create_augroup('atoll', { clear = true }),
  callback = function() atoll().stop() end,
})
