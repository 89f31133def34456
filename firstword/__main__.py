from firstword.cli import app

app()
