"""The help centre: articles in English and Chinese, their revisions, search in both languages, feedback and the
content team's report (issue 20). Other packages call `search.search_articles` and `actions.action_link`."""
