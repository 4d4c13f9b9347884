"""The faces of sohoa: the command line (`cli`), the HTTP API (`web`), and the JSON objects both
return (`objects`). Nothing else imports this package.
"""
