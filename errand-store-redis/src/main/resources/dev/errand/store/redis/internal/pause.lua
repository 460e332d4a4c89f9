-- Pauses (ARGV[2] = 1) or resumes queue ARGV[1]; a resume wakes its waiters.
if ARGV[2] == '1' then
  redis.call('SADD', P .. 'paused', ARGV[1])
else
  redis.call('SREM', P .. 'paused', ARGV[1])
  wake(ARGV[1])
end
return 1
