"""Authoring: packaging a lesson for the platforms a course grades on (Gradescope's autograder zip)."""
