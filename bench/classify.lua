-- wrk script: POST /classify with one iris row (the example's request).
wrk.method = "POST"
wrk.body = "[[5.9,3.0,5.1,1.8]]"
wrk.headers["Content-Type"] = "application/json"
