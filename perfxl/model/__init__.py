"""The shared model every stage hands on: findings and the rule catalogue, submissions, batch frames."""
