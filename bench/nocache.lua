-- Every request a new address, so the page cache never answers (search + rendering under load).
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/directory?q=%E5%AE%81%E6%B3%A2&nocache=" .. math.random(1, 2000000000))
end
