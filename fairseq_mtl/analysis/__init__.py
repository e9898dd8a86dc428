"""Result tables, plots and analyses."""
